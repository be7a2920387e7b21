package project

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const okASL = `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`

// jobsTable declares a table with a stream for cases that need one.
const jobsTable = "tables:\n  Jobs:\n    keySchema: {partitionKey: {name: pk, type: S}}\n    stream: NEW_IMAGE\n"

// loadErrorCases are projects with mistakes and the exact errors Load
// reports for them; FuzzLoadManifest uses their manifests as seeds.
var loadErrorCases = []struct {
	name  string
	files map[string]string
	want  []string
}{
	{
		name:  "unknown top-level field",
		files: map[string]string{"sfapi.yaml": "name: x\ntabels: {}\n"},
		want:  []string{`sfapi.yaml:2:1: unknown field "tabels" in project (known: name, region, accountId, variables, tables, api, stateMachines, pipes, rules, queues, websocket, backend)`},
	},
	{
		name:  "unknown nested field",
		files: map[string]string{"sfapi.yaml": "name: x\n" + jobsTable + "    strem: NEW_IMAGE\n"},
		want:  []string{`sfapi.yaml:6:5: unknown field "strem" in tables.Jobs (known: tableName, keySchema, globalSecondaryIndexes, localSecondaryIndexes, stream, ttlAttribute, billingMode)`},
	},
	{
		name:  "unknown backend",
		files: map[string]string{"sfapi.yaml": "name: x\nbackend: docker\n"},
		want:  []string{`sfapi.yaml:2:10: invalid backend "docker" (valid: embedded, containers)`},
	},
	{
		name:  "missing name",
		files: map[string]string{"sfapi.yaml": "region: us-east-1\n"},
		want:  []string{`sfapi.yaml:1:1: missing required field "name" in project`},
	},
	{
		name:  "wrong types",
		files: map[string]string{"sfapi.yaml": "name: [a]\nvariables: {A: {b: c}}\nwebsocket: /jobs\n"},
		want: []string{
			`sfapi.yaml:1:7: name must be a string, got a sequence`,
			`sfapi.yaml:2:16: variables.A must be a string, got a mapping`,
			`sfapi.yaml:3:12: websocket must be a mapping, got a string`,
		},
	},
	{
		name:  "bad values",
		files: map[string]string{"sfapi.yaml": "name: My_App\nregion: mars\naccountId: 42\nwebsocket: {path: jobs}\n"},
		want: []string{
			`sfapi.yaml:1:7: invalid name "My_App": use lower-case letters, digits and '-', starting with a letter, at most 64 characters`,
			`sfapi.yaml:2:9: invalid region "mars": want a region such as us-east-1`,
			`sfapi.yaml:3:12: invalid accountId "42": want 12 digits`,
			`sfapi.yaml:4:19: websocket.path "jobs" must start with "/"`,
		},
	},
	{
		name:  "invalid enum",
		files: map[string]string{"sfapi.yaml": "name: x\ntables:\n  Jobs:\n    keySchema: {partitionKey: {name: pk, type: STRING}}\n    stream: NEW\n"},
		want: []string{
			`sfapi.yaml:4:48: invalid tables.Jobs.keySchema.partitionKey.type "STRING" (valid: S, N, B)`,
			`sfapi.yaml:5:13: invalid tables.Jobs.stream "NEW" (valid: NEW_AND_OLD_IMAGES, NEW_IMAGE, OLD_IMAGE, KEYS_ONLY)`,
		},
	},
	{
		name: "table shape",
		files: map[string]string{"sfapi.yaml": `name: x
tables:
  T:
    keySchema: {partitionKey: {name: pk, type: S}}
    localSecondaryIndexes:
      - {indexName: byA, sortKey: {name: pk, type: N}, projection: INCLUDE}
    globalSecondaryIndexes:
      - {indexName: byA, partitionKey: {name: a}, nonKeyAttributes: [x]}
`},
		want: []string{
			`sfapi.yaml:3:3: logical ID "T" is not a valid table name (3 to 255 characters); set tableName`,
			`sfapi.yaml:6:7: tables.T.localSecondaryIndexes need a table with a sortKey`,
			`sfapi.yaml:6:9: tables.T.localSecondaryIndexes[0]: projection INCLUDE needs nonKeyAttributes`,
			`sfapi.yaml:6:21: duplicate index name "byA"`,
			`sfapi.yaml:6:35: attribute "pk" is declared as S and as N`,
			`sfapi.yaml:8:40: missing required field "type" in tables.T.globalSecondaryIndexes[0].partitionKey`,
			`sfapi.yaml:8:69: tables.T.globalSecondaryIndexes[0].nonKeyAttributes needs projection INCLUDE`,
		},
	},
	{
		name:  "dangling pipe references",
		files: map[string]string{"sfapi.yaml": "name: x\n" + jobsTable + "  NoStream:\n    keySchema: {partitionKey: {name: pk, type: S}}\npipes:\n  P:\n    source: {table: Nope, startingPosition: LATEST}\n    target: {stateMachine: Missing}\n  Q:\n    source: {table: NoStream, startingPosition: LATEST}\n    target: {push: ch}\n"},
		want: []string{
			`sfapi.yaml:10:21: pipes.P.source.table: unknown table "Nope" (known: Jobs, NoStream)`,
			`sfapi.yaml:11:28: pipes.P.target.stateMachine: unknown state machine "Missing" (none declared)`,
			`sfapi.yaml:13:21: pipes.Q.source.table: table "NoStream" has no stream; set tables.NoStream.stream`,
		},
	},
	{
		name: "pipe settings",
		files: map[string]string{
			"sfapi.yaml": "name: x\n" + jobsTable + `stateMachines:
  M: {definition: m.json}
pipes:
  P:
    source:
      table: Jobs
      batchSize: 0
      maximumRecordAgeInSeconds: 30
      parallelizationFactor: "2"
      filterCriteria: {filters: [{pattern: '{"a": '}, {pattern: '[1]'}]}
      onFailure: dlq
      deadLetterConfig: {arn: dlq2}
    target: {stateMachine: M, push: ch, invocationType: REQUEST_RESPONSE, executionName: "a b"}
`,
			"m.json": okASL,
		},
		want: []string{
			`sfapi.yaml:11:7: missing required field "startingPosition" in pipes.P.source`,
			`sfapi.yaml:11:7: pipes.P.source: set only one of deadLetterConfig, onFailure`,
			`sfapi.yaml:12:18: pipes.P.source.batchSize must be between 1 and 10000, got 0`,
			`sfapi.yaml:13:34: pipes.P.source.maximumRecordAgeInSeconds must be -1 or between 60 and 604800, got 30`,
			`sfapi.yaml:14:30: pipes.P.source.parallelizationFactor must be an integer, got a string`,
			`sfapi.yaml:15:44: pipes.P.source.filterCriteria.filters[0].pattern must be a JSON object: unexpected end of JSON input (at offset 6)`,
			`sfapi.yaml:15:65: pipes.P.source.filterCriteria.filters[1].pattern must be a JSON object: got array`,
			`sfapi.yaml:18:31: pipes.P.target: set only one of stateMachine, push`,
			`sfapi.yaml:18:90: pipes.P.target.executionName: "a b" holds characters Step Functions does not allow in execution names`,
		},
	},
	{
		name: "invocation type",
		files: map[string]string{
			"sfapi.yaml": "name: x\n" + jobsTable + `stateMachines:
  M: {definition: m.json}
pipes:
  P:
    source: {table: Jobs, startingPosition: LATEST}
    target: {stateMachine: M, invocationType: REQUEST_RESPONSE}
  Q:
    source: {table: Jobs, startingPosition: LATEST}
    target: {push: ch, invocationType: FIRE_AND_FORGET, executionName: "<$.a"}
`,
			"m.json": okASL,
		},
		want: []string{
			`sfapi.yaml:11:47: pipes.P.target.invocationType: REQUEST_RESPONSE needs an EXPRESS state machine; "M" is STANDARD`,
			`sfapi.yaml:14:24: pipes.Q.target.invocationType applies only to a stateMachine target`,
			`sfapi.yaml:14:57: pipes.Q.target.executionName applies only to a stateMachine target`,
			`sfapi.yaml:14:72: pipes.Q.target.executionName: placeholder at offset 0 must look like <$.path>`,
		},
	},
	{
		name: "rule targets",
		files: map[string]string{"sfapi.yaml": `name: x
rules:
  R:
    eventPattern: '{"source": '
    state: ON
    targets:
      - {}
      - {push: a, log: true}
      - {log: false, input: '{', inputPath: detail}
      - {stateMachine: M}
`},
		want: []string{
			`sfapi.yaml:4:19: rules.R.eventPattern must be a JSON object: unexpected end of JSON input (at offset 11)`,
			`sfapi.yaml:5:12: invalid rules.R.state "ON" (valid: ENABLED, DISABLED)`,
			`sfapi.yaml:7:9: rules.R.targets[0] needs one of push, stateMachine, eventBus, log`,
			`sfapi.yaml:8:19: rules.R.targets[1]: set only one of push, log`,
			`sfapi.yaml:9:9: rules.R.targets[2]: set only one of input, inputPath`,
			`sfapi.yaml:9:15: rules.R.targets[2].log: false is not a target; remove the target instead`,
			`sfapi.yaml:9:29: rules.R.targets[2].input must be valid JSON`,
			`sfapi.yaml:9:45: rules.R.targets[2].inputPath "detail" must be a JSON path starting with $`,
			`sfapi.yaml:10:24: rules.R.targets[3].stateMachine: unknown state machine "M" (none declared)`,
		},
	},
	{
		name:  "logical IDs",
		files: map[string]string{"sfapi.yaml": "name: x\nvariables: {Dup: v}\n" + jobsTable + "  Dup:\n    keySchema: {partitionKey: {name: pk, type: S}}\nrules:\n  Jobs: {eventPattern: '{}'}\n  my-rule: {eventPattern: '{}'}\n"},
		want: []string{
			`sfapi.yaml:7:3: logical ID "Dup" in tables is also the name of a variable; ${Dup} would be ambiguous`,
			`sfapi.yaml:10:3: logical ID "Jobs" in rules is already used in tables`,
			`sfapi.yaml:11:3: invalid logical ID "my-rule" in rules: use letters and digits only`,
		},
	},
	{
		name:  "missing files and paths outside the project",
		files: map[string]string{"sfapi.yaml": "name: x\napi: {openapi: missing.yaml}\nstateMachines:\n  M: {definition: ../m.json}\n  N: {definition: sm/n.json}\n"},
		want: []string{
			`sfapi.yaml:2:16: api.openapi: file "missing.yaml" does not exist`,
			`sfapi.yaml:4:19: stateMachines.M.definition "../m.json" must be a relative path inside the project directory`,
			`sfapi.yaml:5:19: stateMachines.N.definition: file "sm/n.json" does not exist`,
		},
	},
	{
		name:  "YAML syntax",
		files: map[string]string{"sfapi.yaml": "name: x\ntables:\n  Jobs: [\n"},
		want:  []string{`sfapi.yaml:3: invalid YAML: did not find expected node content`},
	},
	{
		name:  "empty manifest",
		files: map[string]string{"sfapi.yaml": "# nothing\n"},
		want:  []string{`sfapi.yaml:1:1: file is empty`},
	},
	{
		name:  "two documents",
		files: map[string]string{"sfapi.yaml": "name: x\n---\nname: y\n"},
		want:  []string{`sfapi.yaml:2:1: only one YAML document is allowed`},
	},
	{
		name: "ASL substitutions and syntax",
		files: map[string]string{
			"sfapi.yaml": "name: x\n" + jobsTable + `stateMachines:
  A:
    definition: a.json
    substitutions: {T: "${Jobs}", Bad: "${Nope}"}
  B: {definition: b.json, substitutions: {N: "1,"}}
  C: {definition: c.json}
`,
			"a.json": "{\n  \"T\": \"${T}\",\n  \"U\": \"${Unknown}\", \"B\": \"${Bad}\"\n}",
			"b.json": "{\n  \"StartAt\": \"A\",\n  \"X\": ${N}\n}",
			"c.json": "[\n1]",
		},
		want: []string{
			`sfapi.yaml:9:40: stateMachines.A.substitutions.Bad: unknown reference "Nope": not a variable, a logical ID or a supported AWS:: pseudo parameter`,
			`a.json:3:9: no substitution for ${Unknown} (substitutions: Bad, T)`,
			`b.json:4:1: invalid JSON after substitutions: invalid character '}' looking for beginning of object key string`,
			`c.json:1:1: a state machine definition must be a JSON object`,
		},
	},
	{
		name: "OpenAPI references",
		files: map[string]string{
			"sfapi.yaml": "name: x\napi: {openapi: api.yaml}\n" + jobsTable,
			"api.yaml": `openapi: 3.0.1
a: {Ref: Nope}
b: !GetAtt Jobs.Foo
c: {Fn::Sub: "${Jobs.Arn} ${Missing}"}
d: !If [x, y, z]
e: {Fn::ImportValue: x}
f: {Fn::Sub: ["${X}", {X: [1]}]}
g: !GetAtt Jobs
h: .inf
i: {Fn::Join: [",", x]}
`,
		},
		want: []string{
			`api.yaml:2:10: Ref: unknown reference "Nope": not a variable, a logical ID or a supported AWS:: pseudo parameter`,
			`api.yaml:3:4: Fn::GetAtt: unknown attribute "Foo" of table Jobs (known: Arn, StreamArn)`,
			`api.yaml:4:14: Fn::Sub: unknown reference "Missing": not a variable, a logical ID or a supported AWS:: pseudo parameter`,
			`api.yaml:5:4: unsupported intrinsic function !If (supported: Ref, Fn::Sub, Fn::GetAtt, Fn::Join and their short forms)`,
			`api.yaml:6:4: unsupported intrinsic function Fn::ImportValue (supported: Ref, Fn::Sub, Fn::GetAtt, Fn::Join and their short forms)`,
			`api.yaml:7:27: expected a string or an intrinsic function, got a sequence`,
			`api.yaml:8:4: Fn::GetAtt needs LogicalId.Attribute, got "Jobs"`,
			`api.yaml:9:4: .inf cannot be represented in JSON`,
			`api.yaml:10:21: Fn::Join values must be a sequence, got a string`,
		},
	},
	{
		name: "queues",
		files: map[string]string{"sfapi.yaml": "name: x\nqueues:\n  A:\n    queueName: bad.fifo\n    visibilityTimeout: 50000\n    delay: 1\n" +
			"  B:\n    queueName: shared\n    receiveMessageWaitTimeSeconds: thirty\n  C:\n    queueName: shared\n    messageRetentionPeriod: 59\n"},
		want: []string{
			`sfapi.yaml:4:16: invalid queues.A.queueName "bad.fifo": use 1 to 80 letters, digits, '-' and '_' (FIFO queues are not supported)`,
			`sfapi.yaml:5:24: queues.A.visibilityTimeout must be between 0 and 43200, got 50000`,
			`sfapi.yaml:6:5: unknown field "delay" in queues.A (known: queueName, visibilityTimeout, messageRetentionPeriod, delaySeconds, receiveMessageWaitTimeSeconds)`,
			`sfapi.yaml:9:36: queues.B.receiveMessageWaitTimeSeconds must be an integer, got a string`,
			`sfapi.yaml:10:3: queue name "shared" of C is already used by B`,
			`sfapi.yaml:12:29: queues.C.messageRetentionPeriod must be between 60 and 1209600, got 59`,
		},
	},
	{
		name: "OpenAPI syntax",
		files: map[string]string{
			"sfapi.yaml": "name: x\napi: {openapi: api.json}\n",
			"api.json":   "{\n  \"openapi\": \"3.0.1\",\n  \"paths\": {\n}",
		},
		want: []string{`api.json:4: invalid YAML: did not find expected ',' or '}'`},
	},
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := loadErrorCases
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(writeProject(t, tt.files))
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Load error = %v (%T), want an ErrorList", err, err)
			}
			got := strings.Split(list.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestLoadTooManyErrors(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("name: x\nvariables:\n")
	for i := range 30 {
		fmt.Fprintf(&b, "  V%d: [x]\n", i)
	}
	_, err := Load(writeProject(t, map[string]string{"sfapi.yaml": b.String()}))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Load error = %v, want an ErrorList", err)
	}
	if len(list) != MaxErrors+1 || list[MaxErrors].Error() != "too many errors" {
		t.Fatalf("got %d errors, last %v", len(list), list[len(list)-1])
	}
	if got := list[0].Error(); got != "sfapi.yaml:3:7: variables.V0 must be a string, got a sequence" {
		t.Fatalf("first error = %s", got)
	}
}

func TestLoadIOError(t *testing.T) {
	t.Parallel()
	_, err := Load(t.TempDir())
	var list ErrorList
	if err == nil || errors.As(err, &list) {
		t.Fatalf("Load of a directory without sfapi.yaml = %v, want a plain I/O error", err)
	}
}
