package sqsapi_test

import (
	"context"
	"crypto/md5"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/sqs"
	"github.com/sfapi/sfapi/internal/emulator/sqsapi"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	client *awssqs.Client
	srv    *httptest.Server
	mux    *awsjson.Mux
	engine *sqs.Engine
	clock  *clock
}

// newEnv serves both protocols as the emulator's AWS port does: requests
// with X-Amz-Target go to the Mux, the others to the query handler.
func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := kv.Open(filepath.Join(t.TempDir(), "pipes.db"), kv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now().UTC()}
	e, err := sqs.Open(sqs.Options{Store: db, AccountID: "123456789012", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(nil)
	var base string
	sqsapi.Register(mux, e, func() string { return base })
	query := sqsapi.NewQueryHandler(e, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "" {
			mux.ServeHTTP(w, r)
			return
		}
		query.ServeHTTP(w, r)
	}))
	base = srv.URL
	t.Cleanup(func() {
		srv.Close()
		_ = db.Close()
	})
	client := awssqs.New(awssqs.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:   srv.Client(),
	})
	return &env{client: client, srv: srv, mux: mux, engine: e, clock: c}
}

func TestSDKLifecycle(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	ctx := context.Background()
	c := ev.client
	cq, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{"VisibilityTimeout": "20"}})
	if err != nil {
		t.Fatal(err)
	}
	want := ev.srv.URL + "/123456789012/orders"
	if *cq.QueueUrl != want {
		t.Fatalf("QueueUrl = %s, want %s", *cq.QueueUrl, want)
	}
	if got, err := c.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String("orders")}); err != nil || *got.QueueUrl != want {
		t.Fatalf("GetQueueUrl = %v, %v", got, err)
	}
	if _, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("other")}); err != nil {
		t.Fatal(err)
	}
	lq, err := c.ListQueues(ctx, &awssqs.ListQueuesInput{QueueNamePrefix: aws.String("ord")})
	if err != nil || len(lq.QueueUrls) != 1 || lq.QueueUrls[0] != want {
		t.Fatalf("ListQueues = %+v, %v", lq, err)
	}
	q := aws.String(want)
	// The SDK checks MD5OfMessageBody: a wrong digest fails the call.
	sent, err := c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: q, MessageBody: aws.String(`{"order":1}`),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"kind": {DataType: aws.String("String"), StringValue: aws.String("new")},
			"blob": {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2, 3}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if sent.MD5OfMessageAttributes == nil || *sent.MD5OfMessageAttributes == "" {
		t.Fatal("no MD5OfMessageAttributes")
	}
	batch, err := c.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: q, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("second")},
		{Id: aws.String("b"), MessageBody: aws.String("bad \x01 body")},
	}})
	if err != nil || len(batch.Successful) != 1 || len(batch.Failed) != 1 || *batch.Failed[0].Id != "b" || *batch.Failed[0].Code != "InvalidMessageContents" {
		t.Fatalf("SendMessageBatch = %+v, %v", batch, err)
	}
	rm, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: q, MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rm.Messages) != 2 {
		t.Fatalf("received %d messages", len(rm.Messages))
	}
	m := rm.Messages[0]
	if *m.Body != `{"order":1}` || m.Attributes["ApproximateReceiveCount"] != "1" || m.Attributes["SentTimestamp"] == "" ||
		*m.MessageAttributes["kind"].StringValue != "new" || string(m.MessageAttributes["blob"].BinaryValue) != "\x01\x02\x03" ||
		*m.MD5OfMessageAttributes != *sent.MD5OfMessageAttributes || *m.MessageId != *sent.MessageId {
		t.Fatalf("message = %+v", m)
	}
	ga, err := c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: q, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil || ga.Attributes["ApproximateNumberOfMessagesNotVisible"] != "2" || ga.Attributes["QueueArn"] != "arn:aws:sqs:us-east-1:123456789012:orders" || ga.Attributes["VisibilityTimeout"] != "20" {
		t.Fatalf("GetQueueAttributes = %+v, %v", ga, err)
	}
	if _, err := c.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: q, ReceiptHandle: rm.Messages[1].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	again, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: q, MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})
	if err != nil || len(again.Messages) != 1 || *again.Messages[0].Body != "second" || again.Messages[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("receive after visibility 0 = %+v, %v", again, err)
	}
	cb, err := c.ChangeMessageVisibilityBatch(ctx, &awssqs.ChangeMessageVisibilityBatchInput{QueueUrl: q, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("x"), ReceiptHandle: again.Messages[0].ReceiptHandle, VisibilityTimeout: 100},
		{Id: aws.String("y"), ReceiptHandle: aws.String("junk"), VisibilityTimeout: 100},
	}})
	if err != nil || len(cb.Successful) != 1 || len(cb.Failed) != 1 || *cb.Failed[0].Code != "ReceiptHandleIsInvalid" {
		t.Fatalf("ChangeMessageVisibilityBatch = %+v, %v", cb, err)
	}
	if _, err := c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: q, ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	db, err := c.DeleteMessageBatch(ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: q, Entries: []types.DeleteMessageBatchRequestEntry{{Id: aws.String("1"), ReceiptHandle: again.Messages[0].ReceiptHandle}}})
	if err != nil || len(db.Successful) != 1 {
		t.Fatalf("DeleteMessageBatch = %+v, %v", db, err)
	}
	ga, _ = c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: q, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if ga.Attributes["ApproximateNumberOfMessages"] != "0" || ga.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("queue not empty: %v", ga.Attributes)
	}
	if _, err := c.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: q, Attributes: map[string]string{"DelaySeconds": "30"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: q, MessageBody: aws.String("delayed")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: q}); len(got.Messages) != 0 {
		t.Fatal("a delayed message was received")
	}
	ev.clock.Advance(31 * time.Second)
	if got, _ := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: q}); len(got.Messages) != 1 {
		t.Fatal("the delayed message did not arrive")
	}
	if _, err := c.PurgeQueue(ctx, &awssqs.PurgeQueueInput{QueueUrl: q}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteQueue(ctx, &awssqs.DeleteQueueInput{QueueUrl: q}); err != nil {
		t.Fatal(err)
	}
	_, err = c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: q, MessageBody: aws.String("x")})
	if _, ok := errors.AsType[*types.QueueDoesNotExist](err); !ok {
		t.Fatalf("send to a deleted queue: %v", err)
	}
	_, err = c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(ev.srv.URL + "/123456789012/other"), ReceiptHandle: aws.String("nope")})
	if _, ok := errors.AsType[*types.ReceiptHandleIsInvalid](err); !ok {
		t.Fatalf("bad receipt handle: %v", err)
	}
}

func TestSDKLongPoll(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	ctx := context.Background()
	cq, err := ev.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		_, _ = ev.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: cq.QueueUrl, MessageBody: aws.String("late")})
	}()
	start := time.Now()
	got, err := ev.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: cq.QueueUrl, WaitTimeSeconds: 5})
	if err != nil || len(got.Messages) != 1 || *got.Messages[0].Body != "late" {
		t.Fatalf("long poll = %+v, %v", got, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("long poll returned after %v", d)
	}
}

func postForm(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestQueryProtocol speaks the form-encoded protocol Debian's aws CLI 2.9
// sends, and checks the XML it reads.
func TestQueryProtocol(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	st, body := postForm(t, ev.srv.URL+"/", url.Values{"Action": {"CreateQueue"}, "Version": {"2012-11-05"}, "QueueName": {"jobs"},
		"Attribute.1.Name": {"VisibilityTimeout"}, "Attribute.1.Value": {"5"}, "Tag.1.Key": {"team"}, "Tag.1.Value": {"x"}})
	var created struct {
		Result struct{ QueueUrl string } `xml:"CreateQueueResult"`
	}
	if st != 200 || xml.Unmarshal([]byte(body), &created) != nil || created.Result.QueueUrl != ev.srv.URL+"/123456789012/jobs" {
		t.Fatalf("CreateQueue = %d %s", st, body)
	}
	qurl := created.Result.QueueUrl
	st, body = postForm(t, qurl, url.Values{"Action": {"SendMessage"}, "MessageBody": {"hi & bye"},
		"MessageAttribute.1.Name": {"City"}, "MessageAttribute.1.Value.DataType": {"String"}, "MessageAttribute.1.Value.StringValue": {"Any City"}})
	var sent struct {
		Result struct{ MessageId, MD5OfMessageBody, MD5OfMessageAttributes string } `xml:"SendMessageResult"`
	}
	if st != 200 || xml.Unmarshal([]byte(body), &sent) != nil || sent.Result.MD5OfMessageBody != fmt.Sprintf("%x", md5.Sum([]byte("hi & bye"))) || sent.Result.MessageId == "" ||
		sent.Result.MD5OfMessageAttributes != sqs.MD5OfAttributes(map[string]sqs.MessageAttribute{"City": {DataType: "String", StringValue: "Any City"}}) {
		t.Fatalf("SendMessage = %d %s", st, body)
	}
	st, body = postForm(t, ev.srv.URL+"/", url.Values{"Action": {"SendMessageBatch"}, "QueueUrl": {qurl},
		"SendMessageBatchRequestEntry.1.Id": {"a"}, "SendMessageBatchRequestEntry.1.MessageBody": {"b1"},
		"SendMessageBatchRequestEntry.2.Id": {"b"}, "SendMessageBatchRequestEntry.2.MessageBody": {"b2"}, "SendMessageBatchRequestEntry.2.DelaySeconds": {"0"}})
	if st != 200 || strings.Count(body, "<SendMessageBatchResultEntry>") != 2 {
		t.Fatalf("SendMessageBatch = %d %s", st, body)
	}
	st, body = postForm(t, qurl, url.Values{"Action": {"ReceiveMessage"}, "MaxNumberOfMessages": {"10"}, "AttributeName.1": {"All"}, "MessageAttributeName.1": {"All"}})
	var recv struct {
		Messages []struct {
			MessageId, ReceiptHandle, Body string
			Attribute                      []struct{ Name, Value string }
			MessageAttribute               []struct {
				Name  string
				Value struct{ StringValue, DataType string }
			}
		} `xml:"ReceiveMessageResult>Message"`
	}
	if st != 200 || xml.Unmarshal([]byte(body), &recv) != nil || len(recv.Messages) != 3 {
		t.Fatalf("ReceiveMessage = %d %s", st, body)
	}
	m := recv.Messages[0]
	if m.Body != "hi & bye" || m.MessageId != sent.Result.MessageId || len(m.MessageAttribute) != 1 || m.MessageAttribute[0].Value.StringValue != "Any City" || len(m.Attribute) != 4 {
		t.Fatalf("message = %+v", m)
	}
	st, body = postForm(t, qurl, url.Values{"Action": {"DeleteMessageBatch"},
		"DeleteMessageBatchRequestEntry.1.Id": {"1"}, "DeleteMessageBatchRequestEntry.1.ReceiptHandle": {m.ReceiptHandle}})
	if st != 200 || !strings.Contains(body, "<DeleteMessageBatchResultEntry><Id>1</Id></DeleteMessageBatchResultEntry>") {
		t.Fatalf("DeleteMessageBatch = %d %s", st, body)
	}
	st, body = postForm(t, qurl, url.Values{"Action": {"GetQueueAttributes"}, "AttributeName.1": {"VisibilityTimeout"}})
	if st != 200 || !strings.Contains(body, "<Attribute><Name>VisibilityTimeout</Name><Value>5</Value></Attribute>") {
		t.Fatalf("GetQueueAttributes = %d %s", st, body)
	}
	st, body = postForm(t, ev.srv.URL+"/123456789012/missing", url.Values{"Action": {"SendMessage"}, "MessageBody": {"x"}})
	if st != 400 || !strings.Contains(body, "<Code>AWS.SimpleQueueService.NonExistentQueue</Code>") || !strings.Contains(body, "<Type>Sender</Type>") {
		t.Fatalf("missing queue = %d %s", st, body)
	}
	st, body = postForm(t, ev.srv.URL+"/", url.Values{"Action": {"Frobnicate"}})
	if st != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Fatalf("unknown action = %d %s", st, body)
	}
	st, body = postForm(t, ev.srv.URL+"/", url.Values{"Action": {"ListQueues"}})
	if st != 200 || !strings.Contains(body, "<QueueUrl>"+qurl+"</QueueUrl>") {
		t.Fatalf("ListQueues = %d %s", st, body)
	}
}

// TestQueryJSON checks the answer API Gateway integrations see: the query
// protocol's response as JSON.
func TestQueryJSON(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	ctx := context.Background()
	if _, err := ev.engine.CreateQueue("orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	action, body, err := sqsapi.FormRequest(url.Values{"Action": {"SendMessage"}, "QueueUrl": {"http://x/123456789012/orders"}, "MessageBody": {`{"a":1}`}})
	if err != nil || action != "SendMessage" {
		t.Fatal(action, err)
	}
	resp := ev.mux.Invoke(ctx, "AmazonSQS."+action, body)
	var out struct {
		SendMessageResponse struct {
			SendMessageResult struct{ MessageId, MD5OfMessageBody string }
			ResponseMetadata  struct{ RequestId string }
		}
	}
	got := sqsapi.QueryJSON(action, resp.Status, resp.Body)
	if err := json.Unmarshal(got, &out); err != nil || out.SendMessageResponse.SendMessageResult.MessageId == "" || out.SendMessageResponse.ResponseMetadata.RequestId == "" {
		t.Fatalf("QueryJSON = %s, %v", got, err)
	}
	_, body, _ = sqsapi.FormRequest(url.Values{"Action": {"SendMessage"}, "QueueUrl": {"http://x/123456789012/nope"}, "MessageBody": {"x"}})
	resp = ev.mux.Invoke(ctx, "AmazonSQS.SendMessage", body)
	got = sqsapi.QueryJSON("SendMessage", resp.Status, resp.Body)
	if resp.Status != 400 || !strings.Contains(string(got), `"Code":"AWS.SimpleQueueService.NonExistentQueue"`) {
		t.Fatalf("error = %d %s", resp.Status, got)
	}
}
