package emulator_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/coder/websocket"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/emulator/push/ws"
	"github.com/sfapi/sfapi/internal/project"
)

// runMachine creates a STANDARD machine on the emulator and runs it.
func runMachine(t *testing.T, sf *sfn.Client, name, def, input string) *sfn.DescribeExecutionOutput {
	t.Helper()
	sm, err := sf.CreateStateMachine(t.Context(), &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def),
		RoleArn: aws.String("arn:aws:iam::000000000000:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	start, err := sf.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(input)})
	if err != nil {
		t.Fatal(err)
	}
	return waitExecution(t, sf, *start.ExecutionArn)
}

func TestTaskIntegrations(t *testing.T) {
	ep, em := startGophers(t, t.TempDir(), true)
	sf := sfn.NewFromConfig(sdkConfig(ep.AWS))

	child := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}}`
	if _, err := sf.CreateStateMachine(t.Context(), &sfn.CreateStateMachineInput{Name: aws.String("Child"), Definition: aws.String(child),
		RoleArn: aws.String("arn:aws:iam::000000000000:role/r")}); err != nil {
		t.Fatal(err)
	}
	childArn := "arn:aws:states:us-east-1:000000000000:stateMachine:Child"
	// sqs:sendMessage sends to a real queue.
	if _, err := sqs.NewFromConfig(sdkConfig(ep.AWS)).CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("q")}); err != nil {
		t.Fatal(err)
	}
	parent := `{"StartAt":"Plain","States":{
"Plain":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"` + childArn + `","Input":{"n":1}},"ResultSelector":{"arn.$":"$.ExecutionArn"},"ResultPath":"$.plain","Next":"Sync"},
"Sync":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{"StateMachineArn":"` + childArn + `","Input":{"n":2}},"ResultSelector":{"out.$":"$.Output","status.$":"$.Status"},"ResultPath":"$.sync","Next":"Sync2"},
"Sync2":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"` + childArn + `","Input":{"n":3}},"ResultSelector":{"out.$":"$.Output"},"ResultPath":"$.sync2","Next":"SdkDescribe"},
"SdkDescribe":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:describeStateMachine","Parameters":{"StateMachineArn":"` + childArn + `"},"ResultSelector":{"name.$":"$.Name"},"ResultPath":"$.sdk","Next":"Sns"},
"Sns":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"TopicArn":"arn:aws:sns:us-east-1:000000000000:t","Message":{"hi":1}},"ResultSelector":{"has.$":"States.ArrayLength(States.Array($.MessageId))"},"ResultPath":"$.sns","Next":"Sqs"},
"Sqs":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"https://sqs/q","MessageBody":"hello"},"ResultSelector":{"md5.$":"$.MD5OfMessageBody"},"ResultPath":"$.sqs","Next":"Put"},
"Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem","Parameters":{"TableName":"Jobs","Item":{"pk":{"S":"x"},"sk":{"S":"y"},"v":{"N":"7"}}},"ResultPath":null,"Next":"Query"},
"Query":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:query","Parameters":{"TableName":"Jobs","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"x"}}},"ResultSelector":{"count.$":"$.Count"},"ResultPath":"$.query","Next":"Describe"},
"Describe":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:describeTable","Parameters":{"TableName":"Jobs"},"ResultSelector":{"name.$":"$.Table.TableName"},"ResultPath":"$.table","Next":"Ws"},
"Ws":{"Type":"Task","Resource":"arn:aws:states:::apigateway:invoke","Parameters":{"ApiEndpoint":"x.execute-api.us-east-1.amazonaws.com","Method":"POST","Stage":"dev","Path":"@connections/nobody","RequestBody":{"m":1}},
 "Catch":[{"ErrorEquals":["ApiGateway.410"],"ResultPath":"$.ws","Next":"Done"}],"Next":"Done"},
"Done":{"Type":"Succeed"}}}`
	d := runMachine(t, sf, "Parent", parent, `{}`)
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("parent = %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var out struct {
		Plain struct{ Arn string }
		Sync  struct{ Out, Status string }
		Sync2 struct{ Out struct{ Doubled int } }
		Sns   struct{ Has int }
		Sqs   struct{ Md5 string }
		Query struct{ Count int }
		Table struct{ Name string }
		Sdk   struct{ Name string }
		Ws    struct{ Error string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(d.Output)), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Plain.Arn, ":execution:Child:") || out.Sync.Out != `{"doubled":4}` || out.Sync.Status != "SUCCEEDED" ||
		out.Sync2.Out.Doubled != 6 || out.Sns.Has != 1 || out.Sqs.Md5 != "5d41402abc4b2a76b9719d911017c592" ||
		out.Query.Count != 1 || out.Table.Name != "Jobs" || out.Sdk.Name != "Child" || out.Ws.Error != "ApiGateway.410" {
		t.Fatalf("parent output = %s", aws.ToString(d.Output))
	}

	// Unrunnable resources are accepted and fail at run time naming the resource.
	d = runMachine(t, sf, "Lambda", `{"StartAt":"L","States":{"L":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}`, `{}`)
	if d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "States.Runtime" || !strings.Contains(aws.ToString(d.Cause), "lambda") {
		t.Fatalf("lambda task = %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	for _, w := range em.Warnings() {
		if strings.Contains(w, "cannot run locally") {
			t.Fatalf("the gophers project has only runnable tasks, got warning %q", w)
		}
	}
}

func TestWarningsNameUnrunnableStates(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../examples/gophers")); err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:charge","Next":"Notify"},
"Notify":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"n"},"Next":"Save"},
"Save":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"Jobs","Item":{}},"End":true}}}`
	if err := os.WriteFile(filepath.Join(dir, "statemachines", "pay.asl.json"), []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "sfapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	manifest = []byte(strings.Replace(string(manifest), "stateMachines:\n", "stateMachines:\n  Pay:\n    definition: statemachines/pay.asl.json\n    type: STANDARD\n", 1))
	if err := os.WriteFile(filepath.Join(dir, "sfapi.yaml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := project.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	em, err := emulator.New(emulator.Options{Project: p, InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := em.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = em.Shutdown(context.Background()) })
	var got []string
	for _, w := range em.Warnings() {
		if strings.Contains(w, "cannot run locally") {
			got = append(got, w)
		}
	}
	if len(got) != 2 || !strings.Contains(got[0], `"Charge"`) || !strings.Contains(got[0], "function:charge") ||
		!strings.Contains(got[1], `"Notify"`) || !strings.Contains(got[1], "lambda:invoke") {
		t.Fatalf("warnings = %q, want one for Charge and one for Notify", got)
	}
}

func TestApiGatewayInvokePostsToConnection(t *testing.T) {
	ep, _ := startGophers(t, t.TempDir(), true)
	sf := sfn.NewFromConfig(sdkConfig(ep.AWS))
	conn, resp, err := websocket.Dial(t.Context(), ep.WS, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	id := resp.Header.Get(ws.ConnectionIDHeader)
	if id == "" {
		t.Fatal("no connection id header")
	}
	def := `{"StartAt":"Post","States":{"Post":{"Type":"Task","Resource":"arn:aws:states:::apigateway:invoke",
"Parameters":{"ApiEndpoint":"abc.execute-api.us-east-1.amazonaws.com","Method":"POST","Stage":"dev","Path.$":"States.Format('@connections/{}', $.id)","RequestBody":{"done":true}},
"ResultSelector":{"code.$":"$.StatusCode"},"End":true}}}`
	d := runMachine(t, sf, "Post", def, `{"id":"`+id+`"}`)
	if d.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"code":200}` {
		t.Fatalf("post = %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Cause))
	}
	_, msg, err := conn.Read(t.Context())
	if err != nil || string(msg) != `{"done":true}` {
		t.Fatalf("client read %q, %v", msg, err)
	}
}
