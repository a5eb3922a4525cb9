// Where a step and its table rows are in the feature file, so an error can name the exact line.

import type { GherkinDocument, Pickle, PickleStep } from '@cucumber/messages';

export interface StepLocation {
  uri: string;
  line: number;
  /** Line numbers of the data table's rows, header first, when the step has one. */
  rowLines: number[];
  text: string;
}

export class FeatureLocator {
  private current?: StepLocation;

  constructor(
    private readonly pickle: Pickle,
    private readonly document: GherkinDocument | undefined,
  ) {}

  enter(pickleStep: PickleStep): void {
    const astId = pickleStep.astNodeIds[0];
    const step = this.findStep(astId);
    this.current = {
      uri: this.pickle.uri,
      line: step?.location.line ?? 0,
      rowLines: step?.dataTable?.rows.map((r) => r.location.line) ?? [],
      text: pickleStep.text,
    };
  }

  get step(): StepLocation | undefined {
    return this.current;
  }

  /** `features/x.feature:12` for the step, or the line of a table row (0 = header). */
  at(row?: number): string {
    const s = this.current;
    if (!s) return this.pickle.uri;
    if (row !== undefined && s.rowLines[row] !== undefined) return `${s.uri}:${s.rowLines[row]}`;
    return `${s.uri}:${s.line}`;
  }

  private findStep(id: string) {
    const feature = this.document?.feature;
    if (!feature) return undefined;
    const scan = (children: readonly { background?: { steps: readonly Step[] }; scenario?: { steps: readonly Step[] }; rule?: { children: readonly unknown[] } }[]): Step | undefined => {
      for (const c of children) {
        const steps = c.background?.steps ?? c.scenario?.steps ?? [];
        const hit = steps.find((s) => s.id === id);
        if (hit) return hit;
        if (c.rule) {
          const inner = scan(c.rule.children as typeof children);
          if (inner) return inner;
        }
      }
      return undefined;
    };
    return scan(feature.children as Parameters<typeof scan>[0]);
  }
}

type Step = { id: string; location: { line: number }; dataTable?: { rows: readonly { location: { line: number } }[] } };
