package standincmd

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDynamoDBArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		want    DynamoDBArgs
		wantErr string
	}{
		{"", DynamoDBArgs{Port: 8000, DBPath: "."}, ""},
		{"-jar DynamoDBLocal.jar -sharedDb -inMemory", DynamoDBArgs{Port: 8000, DBPath: ".", SharedDB: true, InMemory: true}, ""},
		{"-Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar -SHAREDDB -port 8001 -dbPath /data -delayTransientStatuses -optimizeDbBeforeStartup -cors *",
			DynamoDBArgs{Port: 8001, DBPath: "/data", SharedDB: true, Ignored: []string{"-Djava.library.path=./DynamoDBLocal_lib", "-delayTransientStatuses", "-optimizeDbBeforeStartup", "-cors *"}}, ""},
		{"-port", DynamoDBArgs{}, "option -port needs a value"},
		{"-port 0", DynamoDBArgs{}, `-port "0": want a port number`},
		{"-port http", DynamoDBArgs{}, `-port "http": want a port number`},
		{"-jar other.war", DynamoDBArgs{}, "-jar other.war: want DynamoDBLocal.jar"},
		{"-inMemory -dbPath /x", DynamoDBArgs{}, "-inMemory and -dbPath cannot be combined"},
		{"-sharedDb --verbose", DynamoDBArgs{}, `unknown option "--verbose"`},
		{"extra", DynamoDBArgs{}, `unknown option "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDynamoDBArgs(strings.Fields(tt.args))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Port != tt.want.Port || got.DBPath != tt.want.DBPath || got.SharedDB != tt.want.SharedDB || got.InMemory != tt.want.InMemory ||
				strings.Join(got.Ignored, "|") != strings.Join(tt.want.Ignored, "|") {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := ParseDynamoDBArgs([]string{"-help"}); !errors.Is(err, errHelp) {
		t.Fatalf("-help: %v", err)
	}
}

func TestParseStepFunctionsEnv(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	got, err := ParseStepFunctionsEnv(env())
	if err != nil || got.Region != "us-east-1" || got.AccountID != "123456789012" || got.WaitTimeScale != 1 || got.Port != 8083 || got.DynamoDB != "" {
		t.Fatalf("defaults = %+v, %v", got, err)
	}
	got, err = ParseStepFunctionsEnv(env("AWS_DEFAULT_REGION", "eu-west-1", "AWS_ACCOUNT_ID", "000000000000",
		"DYNAMODB_ENDPOINT", "http://dynamodb:8000", "EVENTBRIDGE_ENDPOINT", "http://172.18.0.1:4000", "SQS_ENDPOINT", "https://sqs",
		"SFN_MOCK_CONFIG", "/m.json", "WAIT_TIME_SCALE", "0.5"))
	if err != nil || got.Region != "eu-west-1" || got.AccountID != "000000000000" || got.DynamoDB != "http://dynamodb:8000" ||
		got.EventBridge != "http://172.18.0.1:4000" || got.SQS != "https://sqs" || got.MockConfig != "/m.json" || got.WaitTimeScale != 0.5 {
		t.Fatalf("set = %+v, %v", got, err)
	}
	for _, bad := range [][]string{
		{"AWS_ACCOUNT_ID", "12345"}, {"AWS_ACCOUNT_ID", "12345678901x"}, {"DYNAMODB_ENDPOINT", "dynamodb:8000"},
		{"WAIT_TIME_SCALE", "0"}, {"WAIT_TIME_SCALE", "-1"}, {"WAIT_TIME_SCALE", "NaN"}, {"WAIT_TIME_SCALE", "fast"},
	} {
		if _, err := ParseStepFunctionsEnv(env(bad...)); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s=%s: err = %v, want one naming the variable", bad[0], bad[1], err)
		}
	}
	if d := scaled(10*time.Second, 0.1); d != time.Second {
		t.Fatalf("scaled = %v", d)
	}
	if d := scaled(time.Duration(1<<62), 1e6); d <= 0 {
		t.Fatalf("scaled overflowed: %v", d)
	}
}

func FuzzParseDynamoDBArgs(f *testing.F) {
	for _, s := range []string{"", "-jar DynamoDBLocal.jar -sharedDb -inMemory", "-port 8001 -dbPath /data -cors *", "-port", "-inMemory -dbPath /x", "-Dx=y -XX:+Foo"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseDynamoDBArgs(strings.Fields(s))
		if err == nil && (a.Port < 1 || a.Port > 65535) {
			t.Fatalf("accepted port %d", a.Port)
		}
	})
}

func FuzzParseStepFunctionsEnv(f *testing.F) {
	f.Add("123456789012", "http://dynamodb:8000", "1")
	f.Add("", "", "0.01")
	f.Add("x", "ftp://a", "Inf")
	f.Fuzz(func(t *testing.T, account, endpoint, scale string) {
		m := map[string]string{"AWS_ACCOUNT_ID": account, "DYNAMODB_ENDPOINT": endpoint, "WAIT_TIME_SCALE": scale}
		e, err := ParseStepFunctionsEnv(func(k string) string { return m[k] })
		if err == nil && !(e.WaitTimeScale > 0) {
			t.Fatalf("accepted scale %v", e.WaitTimeScale)
		}
	})
}
