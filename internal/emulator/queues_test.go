package emulator_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/project"
)

const ordersManifest = `name: orders
api:
  openapi: openapi.yaml
  stage: dev
queues:
  OrdersQueue:
    queueName: orders
    visibilityTimeout: 40
`

// ordersAPI is API Gateway's documented SQS pattern: the queue in a path
// uri, a form-encoded request template, the MessageId read from the JSON
// form of SQS's query response.
const ordersAPI = `openapi: 3.0.1
info: {title: orders, version: "1"}
paths:
  /orders:
    post:
      responses:
        "202": {description: queued}
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri:
          Fn::Sub: arn:aws:apigateway:${AWS::Region}:sqs:path/${AWS::AccountId}/${OrdersQueue.QueueName}
        requestParameters:
          integration.request.header.Content-Type: "'application/x-www-form-urlencoded'"
        passthroughBehavior: NEVER
        requestTemplates:
          application/json: Action=SendMessage&MessageBody=$util.urlEncode($input.body)
        responses:
          "4\\d{2}":
            statusCode: "400"
            responseTemplates:
              application/json: '{"error": "$input.path(''$.Error.Code'')"}'
          default:
            statusCode: "202"
            responseTemplates:
              application/json: '{"messageId": "$input.path(''$.SendMessageResponse.SendMessageResult.MessageId'')"}'
  /missing:
    post:
      responses:
        "202": {description: queued}
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:sqs:action/SendMessage
        passthroughBehavior: NEVER
        requestTemplates:
          application/json: QueueUrl=http://localhost/000000000000/nope&MessageBody=$util.urlEncode($input.body)
        responses:
          "4\\d{2}":
            statusCode: "400"
            responseTemplates:
              application/json: '{"error": "$input.path(''$.Error.Code'')"}'
          default:
            statusCode: "202"
`

func startOrders(t *testing.T) (string, string, *sqs.Client) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"sfapi.yaml": ordersManifest, "openapi.yaml": ordersAPI} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ep, _ := startProject(t, dir)
	return ep.API, ep.AWS, sqs.NewFromConfig(sdkConfig(ep.AWS))
}

func post(t *testing.T, u, ctype, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(u, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAPIGatewaySendsToSQS(t *testing.T) {
	api, awsURL, client := startOrders(t)
	// sfapi.yaml's queues: are provisioned at start.
	cq, err := client.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if want := awsURL + "/000000000000/orders"; *cq.QueueUrl != want {
		t.Fatalf("QueueUrl = %s, want %s", *cq.QueueUrl, want)
	}
	attrs, err := client.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: cq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"VisibilityTimeout"}})
	if err != nil || attrs.Attributes["VisibilityTimeout"] != "40" {
		t.Fatalf("attributes = %+v, %v", attrs, err)
	}
	order := `{"item": "gopher plush", "qty": 2}`
	st, body := post(t, api+"/orders", "application/json", order)
	var ack struct{ MessageId string }
	if st != http.StatusAccepted || json.Unmarshal([]byte(body), &ack) != nil || ack.MessageId == "" {
		t.Fatalf("POST /orders = %d %s", st, body)
	}
	got, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: cq.QueueUrl, WaitTimeSeconds: 1})
	if err != nil || len(got.Messages) != 1 || *got.Messages[0].Body != order || *got.Messages[0].MessageId != ack.MessageId {
		t.Fatalf("ReceiveMessage = %+v, %v", got, err)
	}
	st, body = post(t, api+"/missing", "application/json", order)
	if st != http.StatusBadRequest || !strings.Contains(body, "AWS.SimpleQueueService.NonExistentQueue") {
		t.Fatalf("POST /missing = %d %s", st, body)
	}

	// The AWS port also speaks the query protocol (Debian's aws CLI 2.9).
	st, body = post(t, awsURL+"/000000000000/orders", "application/x-www-form-urlencoded",
		url.Values{"Action": {"SendMessage"}, "MessageBody": {"from the cli"}}.Encode())
	if st != http.StatusOK || !strings.Contains(body, "<SendMessageResult><MessageId>") {
		t.Fatalf("query SendMessage = %d %s", st, body)
	}
	st, body = post(t, awsURL+"/", "application/x-www-form-urlencoded", url.Values{"Action": {"ListQueues"}}.Encode())
	if st != http.StatusOK || !strings.Contains(body, "<QueueUrl>"+*cq.QueueUrl+"</QueueUrl>") {
		t.Fatalf("query ListQueues = %d %s", st, body)
	}
}

func TestStepFunctionsSendToSQS(t *testing.T) {
	_, awsURL, client := startOrders(t)
	sf := sfn.NewFromConfig(sdkConfig(awsURL))
	cq, err := client.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("work")})
	if err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"Send","States":{
"Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"` + *cq.QueueUrl + `","MessageBody":{"job.$":"$.job"}},"ResultSelector":{"id.$":"$.MessageId","md5.$":"$.MD5OfMessageBody"},"ResultPath":"$.sent","Next":"Sdk"},
"Sdk":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:sendMessage","Parameters":{"QueueUrl":"` + *cq.QueueUrl + `","MessageBody":"plain"},"ResultPath":null,"Next":"Missing"},
"Missing":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"http://localhost/000000000000/nope","MessageBody":"x"},
 "Catch":[{"ErrorEquals":["SQS.QueueDoesNotExistException"],"ResultPath":"$.missing","Next":"NoBody"}],"End":true},
"NoBody":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"` + *cq.QueueUrl + `"},
 "Catch":[{"ErrorEquals":["SQS.AmazonSQSException"],"ResultPath":"$.nobody","Next":"Done"}],"End":true},
"Done":{"Type":"Succeed"}}}`
	d := runMachine(t, sf, "SendWork", def, `{"job": 7}`)
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution = %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var out struct {
		Sent    struct{ Id, Md5 string }
		Missing struct{ Error string }
		Nobody  struct{ Error string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(d.Output)), &out); err != nil || out.Sent.Id == "" || out.Missing.Error != "SQS.QueueDoesNotExistException" || out.Nobody.Error != "SQS.AmazonSQSException" {
		t.Fatalf("output = %s", aws.ToString(d.Output))
	}
	got, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: cq.QueueUrl, MaxNumberOfMessages: 10})
	if err != nil || len(got.Messages) != 2 || *got.Messages[0].Body != `{"job":7}` || *got.Messages[0].MD5OfBody != out.Sent.Md5 || *got.Messages[1].Body != "plain" {
		t.Fatalf("ReceiveMessage = %+v, %v", got, err)
	}
}

// TestQueuesSurviveRestart: an acknowledged SendMessage is on disk, and a
// message received before the restart is still in flight after it.
func TestQueuesSurviveRestart(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	for name, text := range map[string]string{"sfapi.yaml": ordersManifest, "openapi.yaml": ordersAPI} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start := func() (*emulator.Emulator, *sqs.Client, string) {
		p, err := project.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		em, err := emulator.New(emulator.Options{Project: p, DataDir: data, APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		ep, err := em.Start(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return em, sqs.NewFromConfig(sdkConfig(ep.AWS)), ep.AWS + "/000000000000/orders"
	}
	stop := func(em *emulator.Emulator) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := em.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	em, client, q := start()
	for _, body := range []string{"first", "second"} {
		if _, err := client.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(q)})
	if err != nil || len(got.Messages) != 1 || *got.Messages[0].Body != "first" {
		t.Fatalf("receive before restart = %+v, %v", got, err)
	}
	stop(em)

	em, client, q = start()
	defer stop(em)
	attrs, err := client.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q),
		AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != "1" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Fatalf("after restart = %+v, %v", attrs, err)
	}
	got, err = client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10})
	if err != nil || len(got.Messages) != 1 || *got.Messages[0].Body != "second" {
		t.Fatalf("receive after restart = %+v, %v", got, err)
	}
}
