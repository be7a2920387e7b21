package containers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPreflight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  string
		want []string // Finding.String() values, in order
	}{
		{"plain JSONPath with optimized integrations runs",
			`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"T","Item":{"pk":{"S.$":"$.id"}},"Id.$":"$$.Execution.Id"},"Next":"B"},
			  "B":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries":[]},"Next":"C"},
			  "C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"Input.$":"States.JsonToString($)"},"End":true}}}`,
			nil},
		{"JSONata at the top level and in a state",
			`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input %}","End":true}}}`,
			[]string{`M: JSONata: the definition sets "QueryLanguage": "JSONata"; Step Functions Local runs JSONPath only`,
				`M: state "A": JSONata: the Output field belongs to JSONata states`}},
		{"JSONata state in a JSONPath machine",
			`{"StartAt":"A","States":{"A":{"Type":"Pass","QueryLanguage":"JSONata","End":true}}}`,
			[]string{`M: state "A": JSONata: the state sets "QueryLanguage": "JSONata"`}},
		{"variables assigned and read",
			`{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},"B":{"Type":"Pass","Parameters":{"v.$":"$x","w":{"y.$":"$y_2.z"}},"OutputPath":"$x","End":true}}}`,
			[]string{`M: state "A": Variables: Assign sets workflow variables, which Step Functions Local lacks`,
				`M: state "B": Variables: reads workflow variables $x, $y_2`}},
		{"aws-sdk integration",
			`{"StartAt":"Q","States":{"Q":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:query","End":true}}}`,
			[]string{`M: state "Q": AWS SDK integration: arn:aws:states:::aws-sdk:dynamodb:query: Step Functions Local runs optimized integrations only (an optimized arn:aws:states:::dynamodb:* call may replace it)`}},
		{"HTTP task, unknown integration, token on dynamodb, sns",
			`{"StartAt":"H","States":{"H":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Next":"X"},
			  "X":{"Type":"Task","Resource":"arn:aws:states:::bedrock:invokeModel","Next":"T"},
			  "T":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem.waitForTaskToken","Next":"S"},
			  "S":{"Type":"Task","Resource":"arn:aws:states:::sns:publish.waitForTaskToken","End":true}}}`,
			[]string{`M: state "H": HTTP Task: arn:aws:states:::http:invoke: Step Functions Local has no HTTP Task`,
				`M: state "S": AWS-only call: arn:aws:states:::sns:publish.waitForTaskToken: Step Functions Local sends it to SNS_ENDPOINT or AWS; the embedded backend records it as an event on the default bus`,
				`M: state "T": .waitForTaskToken: arn:aws:states:::dynamodb:putItem.waitForTaskToken: Step Functions Local cannot pass a task token through dynamodb`,
				`M: state "X": integration: arn:aws:states:::bedrock:invokeModel: Step Functions Local has no bedrock integration`}},
		{"distributed map and nested states",
			`{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject"},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"In","States":{"In":{"Type":"Pass","Assign":{"a":1},"End":true}}},"Next":"P"},
			  "P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:listBuckets","End":true}}}],"End":true}}}`,
			[]string{`M: state "M": Distributed Map: ItemReader belongs to Distributed Map, which Step Functions Local lacks`,
				`M: state "M": Distributed Map: ProcessorConfig.Mode is DISTRIBUTED`,
				`M: state "M/In": Variables: Assign sets workflow variables, which Step Functions Local lacks`,
				`M: state "P/branch 1/B": AWS SDK integration: arn:aws:states:::aws-sdk:s3:listBuckets: Step Functions Local runs optimized integrations only`}},
		{"inline map with Iterator runs",
			`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","Iterator":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}`,
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Preflight([]Machine{{Name: "M", Definition: tt.def}})
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, f := range got {
				lines = append(lines, f.String())
			}
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestPreflightBadJSON(t *testing.T) {
	t.Parallel()
	if _, err := Preflight([]Machine{{Name: "M", Definition: `{"StartAt":`}}); err == nil || !strings.Contains(err.Error(), "state machine M") {
		t.Fatalf("err = %v, want one naming the machine", err)
	}
}

// The gophers example runs on Step Functions Local except for its
// aws-sdk:dynamodb:query (FindHoles): that is why `sfapi dev --backend
// containers` needs --force for it.
func TestPreflightGophers(t *testing.T) {
	t.Parallel()
	def, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "gophers", "statemachines", "add-gopher.asl.json"))
	if err != nil {
		t.Fatalf("examples/gophers state machine: %v", err)
	}
	got, err := Preflight([]Machine{{Name: "AddGopher", Definition: string(def)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].State != "FindHoles" || got[0].Feature != "AWS SDK integration" {
		t.Fatalf("findings = %v, want exactly FindHoles' aws-sdk:dynamodb:query", got)
	}
}

func FuzzPreflight(f *testing.F) {
	for _, s := range []string{
		`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% 1 %}","End":true}}}`,
		`{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}`,
		`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"States":{"B":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:x"}}}, 3]}}}`,
		`{"States":{"B":{"Type":"Pass","Parameters":{"a.$":"$","b.$":"$v1","c":[{"d.$":"$$"}]}}}}`,
		`[]`, `{`, `{"States":[]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, def string) {
		fs, err := Preflight([]Machine{{Name: "M", Definition: def}})
		if err == nil {
			_ = FormatFindings(fs)
		}
	})
}
