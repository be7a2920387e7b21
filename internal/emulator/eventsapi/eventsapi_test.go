package eventsapi

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/push"
)

func newClient(t *testing.T) (*eventbridge.Client, *push.Hub) {
	t.Helper()
	hub := push.NewHub()
	r := push.NewRouter(push.RouterOptions{Hub: hub, Synchronous: true})
	mux := awsjson.NewMux(nil)
	Register(mux, r)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); _ = r.Close(context.Background()); hub.Close() })
	c := eventbridge.New(eventbridge.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:   srv.Client(),
	})
	return c, hub
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestPutEventsPerEntryError(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	out, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("sfapi.jobs"), DetailType: aws.String("Job"), Detail: aws.String(`{"jobId":"1"}`)},
		{Source: aws.String("sfapi.jobs"), DetailType: aws.String("Job"), Detail: aws.String(`[1]`)},
		{DetailType: aws.String("Job"), Detail: aws.String(`{}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 2 || len(out.Entries) != 3 {
		t.Fatalf("out = %+v", out)
	}
	if aws.ToString(out.Entries[0].EventId) == "" || out.Entries[0].ErrorCode != nil {
		t.Fatalf("entry 0 = %+v", out.Entries[0])
	}
	if aws.ToString(out.Entries[1].ErrorCode) != "MalformedDetail" || aws.ToString(out.Entries[1].ErrorMessage) != "Detail is malformed." {
		t.Fatalf("entry 1 = %+v", out.Entries[1])
	}
	if aws.ToString(out.Entries[2].ErrorCode) != "InvalidArgument" {
		t.Fatalf("entry 2 = %+v", out.Entries[2])
	}
	many := make([]types.PutEventsRequestEntry, 11)
	for i := range many {
		many[i] = types.PutEventsRequestEntry{Source: aws.String("s"), DetailType: aws.String("t"), Detail: aws.String(`{}`)}
	}
	if _, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: many}); apiCode(err) != "ValidationException" {
		t.Fatalf("11 entries: err = %v", err)
	}
}

func TestRulesTargetsAndDelivery(t *testing.T) {
	t.Parallel()
	c, hub := newClient(t)
	ctx := context.Background()
	rule, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("jobs"), EventPattern: aws.String(`{"source":["sfapi.jobs"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(rule.RuleArn) != "arn:aws:events:us-east-1:000000000000:rule/jobs" {
		t.Fatalf("RuleArn = %s", aws.ToString(rule.RuleArn))
	}
	if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("bad"), EventPattern: aws.String(`{"source":"x"}`)}); apiCode(err) != "InvalidEventPatternException" {
		t.Fatalf("bad pattern: %v", err)
	}
	pt, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("jobs"), Targets: []types.Target{{
		Id: aws.String("ws"), Arn: aws.String("arn:sfapi:push:::jobs"),
		InputTransformer: &types.InputTransformer{InputPathsMap: map[string]string{"id": "$.detail.jobId"}, InputTemplate: aws.String(`{"job":<id>}`)},
	}}})
	if err != nil || pt.FailedEntryCount != 0 {
		t.Fatalf("PutTargets: %+v %v", pt, err)
	}
	lr, err := c.ListRules(ctx, &eventbridge.ListRulesInput{})
	if err != nil || len(lr.Rules) != 1 || aws.ToString(lr.Rules[0].Name) != "jobs" || lr.Rules[0].State != types.RuleStateEnabled ||
		aws.ToString(lr.Rules[0].EventBusName) != "default" {
		t.Fatalf("ListRules: %+v %v", lr, err)
	}
	lt, err := c.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("jobs")})
	if err != nil || len(lt.Targets) != 1 || aws.ToString(lt.Targets[0].InputTransformer.InputTemplate) != `{"job":<id>}` {
		t.Fatalf("ListTargetsByRule: %+v %v", lt, err)
	}
	sub := hub.Subscribe("jobs")
	defer sub.Close()
	if _, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("sfapi.jobs"), DetailType: aws.String("Job"), Detail: aws.String(`{"jobId":"j-7"}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	select {
	case msg := <-sub.Messages():
		if string(msg.Data) != `{"sfapiEventId":1,"job":"j-7"}` {
			t.Fatalf("pushed %s", msg.Data)
		}
	default:
		t.Fatal("nothing pushed")
	}
	if _, err := c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("jobs")}); apiCode(err) != "ValidationException" {
		t.Fatalf("delete rule with targets: %v", err)
	}
	if _, err := c.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("jobs"), Ids: []string{"ws"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("jobs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("jobs")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("describe deleted: %v", err)
	}
}

func TestEventBuses(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	cb, err := c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders")})
	if err != nil || aws.ToString(cb.EventBusArn) != "arn:aws:events:us-east-1:000000000000:event-bus/orders" {
		t.Fatalf("CreateEventBus: %+v %v", cb, err)
	}
	if _, err := c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders")}); apiCode(err) != "ResourceAlreadyExistsException" {
		t.Fatalf("duplicate: %v", err)
	}
	d, err := c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: cb.EventBusArn})
	if err != nil || aws.ToString(d.Name) != "orders" || d.CreationTime == nil {
		t.Fatalf("DescribeEventBus: %+v %v", d, err)
	}
	l, err := c.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{Limit: aws.Int32(1)})
	if err != nil || len(l.EventBuses) != 1 || aws.ToString(l.EventBuses[0].Name) != "default" || l.NextToken == nil {
		t.Fatalf("ListEventBuses page 1: %+v %v", l, err)
	}
	l, err = c.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{Limit: aws.Int32(1), NextToken: l.NextToken})
	if err != nil || len(l.EventBuses) != 1 || aws.ToString(l.EventBuses[0].Name) != "orders" || l.NextToken != nil {
		t.Fatalf("ListEventBuses page 2: %+v %v", l, err)
	}
	if _, err := c.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String("default")}); apiCode(err) != "ValidationException" {
		t.Fatalf("delete default: %v", err)
	}
	if _, err := c.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String("orders")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("describe deleted bus: %v", err)
	}
}

func TestTestEventPattern(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	ev := `{"id":"1","source":"sfapi.jobs","detail-type":"Job","account":"000000000000","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"progress":50}}`
	for _, tt := range []struct {
		pattern string
		want    bool
	}{
		{`{"detail":{"progress":[{"numeric":[">",10]}]}}`, true},
		{`{"detail":{"progress":[{"numeric":[">",60]}]}}`, false},
	} {
		out, err := c.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{Event: aws.String(ev), EventPattern: aws.String(tt.pattern)})
		if err != nil || out.Result != tt.want {
			t.Fatalf("TestEventPattern(%s) = %+v, %v; want %v", tt.pattern, out, err, tt.want)
		}
	}
	_, err := c.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{Event: aws.String(ev), EventPattern: aws.String(`{"a":[]}`)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidEventPatternException" || ae.ErrorMessage() != "Event pattern is not valid. Reason: Empty arrays are not allowed at \"a\"" {
		t.Fatalf("bad pattern: %v", err)
	}
	if _, err := c.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{Event: aws.String(`nope`), EventPattern: aws.String(`{}`)}); apiCode(err) != "ValidationException" {
		t.Fatalf("bad event: %v", err)
	}
}
