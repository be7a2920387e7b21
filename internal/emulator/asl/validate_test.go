package asl_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/asl"
)

var validationCases = []struct {
	name string
	def  string
	want string // substring of the error; "" means valid
}{
	{"minimal", passDef, ""},
	{"not json", `{`, "INVALID_JSON_DESCRIPTION"},
	{"not object", `[]`, "SCHEMA_VALIDATION_FAILED: Expected value of type: Object at /"},
	{"missing StartAt", `{"States":{"P":{"Type":"Pass","End":true}}}`, "These fields are required: [StartAt] at /"},
	{"StartAt unknown", `{"StartAt":"X","States":{"P":{"Type":"Pass","End":true}}}`, `MISSING_TRANSITION_TARGET: State "X" is not found at /StartAt`},
	{"Next unknown", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"}}}`, "MISSING_TRANSITION_TARGET: Missing 'Next' target: Q at /States/P/Next"},
	{"unreachable", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true},"Q":{"Type":"Succeed"}}}`, `UNREACHABLE_STATE: State "Q" is not reachable. at /States/Q`},
	{"no terminal", `{"StartAt":"P","States":{"P":{"Type":"Pass"}}}`, "must have either Next or 'End': true at /States/P"},
	{"Next and End", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"P","End":true}}}`, "Only one of Next or End may be set at /States/P"},
	{"bad type", `{"StartAt":"P","States":{"P":{"Type":"Nope","End":true}}}`, "Value is not a valid state type: Nope at /States/P/Type"},
	{"unknown field", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Bogus":1}}}`, "Field 'Bogus' is not supported at /States/P"},
	{"Next not string", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":3}}}`, "The value for the field 'Next' must be a STRING at /States/P/Next"},
	{"bad path", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"a.b","End":true}}}`, "The value for the field 'InputPath' must be a valid JSONPath at /States/P/InputPath"},
	{"ResultPath not reference", `{"StartAt":"P","States":{"P":{"Type":"Pass","ResultPath":"$.a[*]","End":true}}}`, "must be a valid Reference Path at /States/P/ResultPath"},
	{"bad parameters path", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"States.Nope()"},"End":true}}}`, "must be a valid JSONPath or a valid intrinsic function call"},
	{"choice no choices", `{"StartAt":"C","States":{"C":{"Type":"Choice"}}}`, "'Choices' should be a non-empty array at /States/C/Choices"},
	{"choice two operators", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","StringEquals":"x","IsNull":true,"Next":"C"}]}}}`, "exactly one comparison operator"},
	{"choice bad operand", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"x","Next":"S"}]},"S":{"Type":"Succeed"}}}`, "'NumericEquals' must be a NUMBER"},
	{"choice Default unknown", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"S"}],"Default":"Z"},"S":{"Type":"Succeed"}}}`, "Missing 'Next' target: Z at /States/C/Default"},
	{"retry empty ErrorEquals", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","Retry":[{"ErrorEquals":[]}],"End":true}}}`, "'ErrorEquals' should be a non-empty array of strings at /States/T/Retry/0/ErrorEquals"},
	{"States.ALL not alone", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","Catch":[{"ErrorEquals":["States.ALL","X"],"Next":"T"}],"End":true}}}`, "States.ALL must appear alone"},
	{"catch target unknown", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Q"}],"End":true}}}`, "Missing 'Next' target: Q at /States/T/Catch/0/Next"},
	{"task without resource", `{"StartAt":"T","States":{"T":{"Type":"Task","End":true}}}`, "These fields are required: [Resource] at /States/T"},
	{"wait two fields", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}}}`, "exactly one of Seconds"},
	{"fail both error fields", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","ErrorPath":"$.e"}}}`, "Only one of Error or ErrorPath"},
	{"map bad branch", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"X","States":{"Y":{"Type":"Succeed"}}},"End":true}}}`, `State "X" is not found at /States/M/ItemProcessor/StartAt`},
	{"parallel unreachable in branch", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}}],"End":true}}}`, `State "B" is not reachable. at /States/P/Branches/0/States/B`},
	{"distributed field in inline map", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{},"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Succeed"}}},"End":true}}}`, "only supported when the ItemProcessor's ProcessorConfig Mode is DISTRIBUTED"},
	{"distributed map without execution type", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"X","States":{"X":{"Type":"Succeed"}}},"End":true}}}`, "These fields are required: [ExecutionType]"},
	{"distributed map bad mode", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"FAST"},"StartAt":"X","States":{"X":{"Type":"Succeed"}}},"End":true}}}`, "must be one of [INLINE, DISTRIBUTED]"},
	{"item reader without resource", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"ReaderConfig":{}},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"X","States":{"X":{"Type":"Succeed"}}},"End":true}}}`, "These fields are required: [Resource] at /States/M/ItemReader"},
	{"empty item batcher", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemBatcher":{},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"X","States":{"X":{"Type":"Succeed"}}},"End":true}}}`, "must specify MaxItemsPerBatch or MaxInputBytesPerBatch"},
	{"bad label", `{"StartAt":"M","States":{"M":{"Type":"Map","Label":"a b","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"X","States":{"X":{"Type":"Succeed"}}},"End":true}}}`, "'Label' must be at most 40 characters"},
	{"jsonata ok", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input %}","Assign":{"x":1},"End":true}}}`, ""},
	{"bad query language", `{"QueryLanguage":"XPath","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, "The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata] at /QueryLanguage"},
	{"jsonata forbids InputPath", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a","End":true}}}`, "The field 'InputPath' is not supported for the JSONata query language at /States/P/InputPath"},
	{"jsonata forbids ResultPath in Catch", `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.e","Next":"S"}],"End":true},"S":{"Type":"Succeed"}}}`, "The field 'ResultPath' is not supported for the JSONata query language at /States/T/Catch/0/ResultPath"},
	{"jsonata forbids dollar keys", `{"StartAt":"M","States":{"M":{"Type":"Map","QueryLanguage":"JSONata","ItemSelector":{"v.$":"$.x"},"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Succeed"}}},"End":true}}}`, "The field 'v.$' is not supported for the JSONata query language"},
	{"jsonpath forbids Output", `{"StartAt":"P","States":{"P":{"Type":"Pass","Output":{},"End":true}}}`, "The field 'Output' is not supported for the JSONPath query language at /States/P/Output"},
	{"jsonpath state in jsonata machine", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}}`, "cannot be JSONPath when the state machine's QueryLanguage is JSONata at /States/P/QueryLanguage"},
	{"bad jsonata expression", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"a":["{% 1 + %}"]},"End":true}}}`, "is invalid"},
	{"jsonata choice needs Condition", `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Next":"S"}]},"S":{"Type":"Succeed"}}}`, "These fields are required: [Condition] at /States/C/Choices/0"},
	{"bad variable name", `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"states":1},"End":true}}}`, "The variable name 'states' is invalid"},
	{"inner scope assigns outer variable", `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1},"Next":"P"},"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Assign":{"x":2},"End":true}}}],"End":true}}}`, "The variable 'x' is assigned in an enclosing scope (/States/A) and cannot be assigned inside a Parallel branch or Map item processor at /States/P/Branches/0/States/B/Assign"},
	{"full featured", `{"Comment":"c","TimeoutSeconds":60,"StartAt":"W","States":{
		"W":{"Type":"Wait","SecondsPath":"$.s","Next":"C"},
		"C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.a","IsPresent":true},{"Not":{"Variable":"$.a","StringMatches":"x*"}}],"Next":"P"}],"Default":"F"},
		"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}],"Retry":[{"ErrorEquals":["States.ALL"],"JitterStrategy":"FULL","MaxDelaySeconds":5}],"Next":"M"},
		"M":{"Type":"Map","Iterator":{"StartAt":"Y","States":{"Y":{"Type":"Pass","End":true}}},"MaxConcurrency":2,"ToleratedFailurePercentage":10,"End":true},
		"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"$.c"}}}`, ""},
}

func TestValidateDefinition(t *testing.T) {
	t.Parallel()
	for _, tc := range validationCases {
		t.Run(tc.name, func(t *testing.T) {
			err := asl.ValidateDefinition(tc.def)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, asl.ErrInvalidDefinition) {
				t.Fatalf("err = %v, want InvalidDefinition", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant substring %q", err, tc.want)
			}
			if !strings.HasPrefix(err.(*asl.APIError).Message, "Invalid State Machine Definition: ") {
				t.Errorf("message should start like AWS's: %v", err)
			}
		})
	}
}

func FuzzASLParse(f *testing.F) {
	for _, tc := range validationCases {
		f.Add(tc.def)
	}
	// The corpus machines: valid definitions using every feature.
	files, _ := filepath.Glob("testdata/machines/*.asl.json")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(string(data))
		}
	}
	f.Fuzz(func(t *testing.T, def string) {
		err := asl.ValidateDefinition(def)
		if err != nil && !errors.Is(err, asl.ErrInvalidDefinition) {
			t.Fatalf("non-InvalidDefinition error: %v", err)
		}
	})
}
