// Booleans as Go's strconv.ParseBool reads them, which is how Kubernetes parses query parameters
// (`watch=True`, `dryRun=1`): one definition for the query check and the request parser.
export const GO_TRUE: ReadonlySet<string> = new Set(["1", "t", "T", "TRUE", "true", "True"]);
export const GO_FALSE: ReadonlySet<string> = new Set(["0", "f", "F", "FALSE", "false", "False"]);
