package project

import "fmt"

// Defaults applied by Load to fields the manifest leaves out.
const (
	DefaultRegion        = "us-east-1"
	DefaultAccountID     = "000000000000"
	DefaultStage         = "dev"
	DefaultWebSocketPath = "/jobs"
	DefaultEventBus      = "default"
	// DefaultPipeBatchSize is EventBridge Pipes' default BatchSize for a
	// DynamoDB stream source.
	DefaultPipeBatchSize = 10
)

// Enumerations the manifest accepts, as AWS spells them.
const (
	KeyTypeString = "S"
	KeyTypeNumber = "N"
	KeyTypeBinary = "B"

	ProjectionAll      = "ALL"
	ProjectionKeysOnly = "KEYS_ONLY"
	ProjectionInclude  = "INCLUDE"

	StreamNewAndOldImages = "NEW_AND_OLD_IMAGES"
	StreamNewImage        = "NEW_IMAGE"
	StreamOldImage        = "OLD_IMAGE"
	StreamKeysOnly        = "KEYS_ONLY"

	BillingPayPerRequest = "PAY_PER_REQUEST"
	BillingProvisioned   = "PROVISIONED"

	StateMachineStandard = "STANDARD"
	StateMachineExpress  = "EXPRESS"

	StartingPositionTrimHorizon = "TRIM_HORIZON"
	StartingPositionLatest      = "LATEST"

	InvocationFireAndForget   = "FIRE_AND_FORGET"
	InvocationRequestResponse = "REQUEST_RESPONSE"

	RuleEnabled  = "ENABLED"
	RuleDisabled = "DISABLED"

	// Backends of `sfapi dev` a project may ask for (backend:); the
	// --backend flag, SFAPI_BACKEND and the tool's config file win.
	BackendEmbedded   = "embedded"
	BackendContainers = "containers"
)

// Manifest is sfapi.yaml, typed, with every default applied. Maps are keyed
// by logical ID; Project's methods give sorted views.
type Manifest struct {
	Name          string
	Region        string
	AccountID     string
	Variables     map[string]string
	Tables        map[string]Table
	API           API
	StateMachines map[string]StateMachine
	Pipes         map[string]Pipe
	Rules         map[string]Rule
	Queues        map[string]Queue
	WebSocket     WebSocket
	// Backend is the `sfapi dev` backend the project asks for ("" when it
	// does not say: embedded).
	Backend string
}

// Pos is where a manifest entry was written, for messages from the packages
// that interpret it later (File is relative to the project directory).
type Pos struct {
	File      string
	Line, Col int
}

// Errorf builds an Error at p.
func (p Pos) Errorf(format string, args ...any) *Error {
	e := &Error{File: p.File, Line: p.Line, Col: p.Col}
	e.Msg = fmt.Sprintf(format, args...)
	return e
}

// API is the api section: the OpenAPI file (relative to the project
// directory, slash-separated; empty when the project has no REST API) and
// the stage name.
type API struct {
	OpenAPI string
	Stage   string
	// APIKeys are the values accepted in x-api-key by methods whose
	// security requires an API key (locally; deploy creates keys itself).
	APIKeys []string
}

// KeyAttr is a key attribute and its scalar type (S, N or B).
type KeyAttr struct {
	Name string
	Type string
}

// Table is a DynamoDB table.
type Table struct {
	LogicalID      string
	Name           string // physical table name
	PartitionKey   KeyAttr
	SortKey        *KeyAttr
	GSIs           []Index
	LSIs           []Index
	StreamViewType string // empty when the table has no stream
	TTLAttribute   string
	BillingMode    string
	Pos            Pos
}

// Index is a global or local secondary index. For a local index
// PartitionKey is the table's partition key.
type Index struct {
	Name             string
	PartitionKey     KeyAttr
	SortKey          *KeyAttr
	Projection       string
	NonKeyAttributes []string
}

// StateMachine is a Step Functions state machine.
type StateMachine struct {
	LogicalID      string
	Name           string
	Type           string
	DefinitionFile string // relative to the project directory, slash-separated
	// Substitutions are the definition substitutions as written in the
	// manifest (values may hold ${...} references); deploy passes them to
	// CloudFormation unchanged.
	Substitutions map[string]string
	// RawDefinition is the ASL file as written; Definition is the same
	// text with every ${Name} substituted, checked to be a JSON object.
	RawDefinition string
	Definition    string
	Pos           Pos
}

// Pipe is an EventBridge pipe from a table's stream to a target.
type Pipe struct {
	LogicalID string
	Source    PipeSource
	Target    PipeTarget
	Pos       Pos
}

// PipeSource is a DynamoDB stream source with its polling parameters.
type PipeSource struct {
	Table                          string // logical ID of the table
	StartingPosition               string
	BatchSize                      int
	MaximumBatchingWindowInSeconds int
	MaximumRetryAttempts           int // -1 = retry until the record expires
	MaximumRecordAgeInSeconds      int // -1 = no limit
	BisectBatchOnFunctionError     bool
	OnPartialBatchItemFailure      string
	ParallelizationFactor          int
	// Filters are event patterns (JSON objects as text); a record passes if
	// any matches. Empty means every record passes.
	Filters []string
	// OnFailure names the dead-letter destination (an ARN or a local
	// name); empty when failed batches are dropped.
	OnFailure string
}

// PipeTarget is where a pipe delivers: exactly one of StateMachine (logical
// ID), EventBus (name) or Push (channel) is set.
type PipeTarget struct {
	StateMachine   string
	EventBus       string
	Push           string
	InvocationType string
	InputTemplate  string
	// ExecutionName is a template with <$.json.path> placeholders.
	ExecutionName string
}

// Queue is an SQS standard queue. Its attributes hold SQS's defaults
// unless the manifest sets them.
type Queue struct {
	LogicalID                     string
	Name                          string
	VisibilityTimeout             int // seconds, 0 to 43200 (30)
	MessageRetentionPeriod        int // seconds, 60 to 1209600 (345600)
	DelaySeconds                  int // 0 to 900 (0)
	ReceiveMessageWaitTimeSeconds int // 0 to 20 (0)
	Pos                           Pos
}

// Rule is an EventBridge rule.
type Rule struct {
	LogicalID    string
	Name         string
	EventBus     string
	EventPattern string // JSON object text
	State        string
	Targets      []RuleTarget
	Pos          Pos
}

// RuleTarget is one target of a rule: exactly one of Push, StateMachine,
// EventBus or Log is set; at most one of Input, InputPath and
// InputTransformer.
type RuleTarget struct {
	Push             string
	StateMachine     string // logical ID
	EventBus         string
	Log              bool
	Input            string // JSON text
	InputPath        string
	InputTransformer *InputTransformer
}

// InputTransformer rewrites an event before delivery.
type InputTransformer struct {
	InputPathsMap map[string]string
	InputTemplate string
}
