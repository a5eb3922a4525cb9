// The in-process directory: an Active-Directory-shaped LDAP server inside the test process.

export { InProcessDirectoryServer, type InProcessServerOptions, type DirectoryStats } from './server';
export {
  DirectoryStore,
  DirectoryError,
  DN_ATTRIBUTES,
  HIDDEN_ATTRIBUTES,
  MATCHING_RULES,
  RESULT_CODES,
  type AttributeValues,
  type DirectoryEntry,
  type DirectoryErrorCode,
  type FilterNode,
  type Modification,
  type ModifyOperation,
  type NamingContextsSpec,
  type ResultAttribute,
  type SearchRequest,
  type SearchResult,
  type SearchResultEntry,
  type SearchScope,
} from './store';
