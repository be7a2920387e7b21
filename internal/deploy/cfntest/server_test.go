package cfntest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func post(t *testing.T, s *Server, form url.Values) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestQueryProtocol(t *testing.T) {
	t.Parallel()
	tmpl := `{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}},"Outputs":{"Url":{"Value":{"Ref":"Q"}}}}`
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		want       []string
	}{
		{"wrong version", url.Values{"Action": {"DescribeStacks"}, "Version": {"2011-01-01"}}, 400,
			[]string{"<ErrorResponse xmlns=\"" + Namespace + "\"><Error><Type>Sender</Type><Code>InvalidParameterValue</Code>"}},
		{"unknown action", url.Values{"Action": {"CreateStack"}, "Version": {APIVersion}}, 400,
			[]string{"<Code>InvalidAction</Code>"}},
		{"missing stack", url.Values{"Action": {"DescribeStacks"}, "Version": {APIVersion}, "StackName": {"nope"}}, 400,
			[]string{"<Code>ValidationError</Code><Message>Stack with id nope does not exist</Message>"}},
		{"bad template", url.Values{"Action": {"CreateChangeSet"}, "Version": {APIVersion}, "StackName": {"s"}, "ChangeSetName": {"c"}, "ChangeSetType": {"CREATE"}, "TemplateBody": {"{"}}, 400,
			[]string{"Template format error"}},
		{"update of a missing stack", url.Values{"Action": {"CreateChangeSet"}, "Version": {APIVersion}, "StackName": {"s"}, "ChangeSetName": {"c"}, "TemplateBody": {tmpl}}, 400,
			[]string{"Stack [s] does not exist"}},
		{"create", url.Values{"Action": {"CreateChangeSet"}, "Version": {APIVersion}, "StackName": {"s"}, "ChangeSetName": {"c"}, "ChangeSetType": {"CREATE"}, "TemplateBody": {tmpl}}, 200,
			[]string{"<CreateChangeSetResponse xmlns=\"" + Namespace + "\"><CreateChangeSetResult><Id>arn:aws:cloudformation:us-east-1:123456789012:changeSet/c/", "<StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/s/", "<ResponseMetadata><RequestId>"}},
	}
	s := New()
	for _, tt := range tests {
		status, body := post(t, s, tt.form)
		if status != tt.wantStatus {
			t.Errorf("%s: status %d, want %d: %s", tt.name, status, tt.wantStatus, body)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: body lacks %q:\n%s", tt.name, w, body)
			}
		}
	}
	// The change set is computed on the second look, then lists its changes.
	desc := url.Values{"Action": {"DescribeChangeSet"}, "Version": {APIVersion}, "StackName": {"s"}, "ChangeSetName": {"c"}}
	if _, body := post(t, s, desc); !strings.Contains(body, "<Status>CREATE_IN_PROGRESS</Status>") {
		t.Fatalf("first describe: %s", body)
	}
	_, body := post(t, s, desc)
	if !strings.Contains(body, "<Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus>") ||
		!strings.Contains(body, "<Changes><member><Type>Resource</Type><ResourceChange><Action>Add</Action><LogicalResourceId>Q</LogicalResourceId><ResourceType>AWS::SQS::Queue</ResourceType></ResourceChange></member></Changes>") {
		t.Fatalf("second describe: %s", body)
	}
	if status, body := post(t, s, url.Values{"Action": {"ExecuteChangeSet"}, "Version": {APIVersion}, "StackName": {"s"}, "ChangeSetName": {"c"}}); status != 200 {
		t.Fatalf("execute: %s", body)
	}
	for range 5 {
		post(t, s, url.Values{"Action": {"DescribeStackEvents"}, "Version": {APIVersion}, "StackName": {"s"}})
	}
	_, body = post(t, s, url.Values{"Action": {"DescribeStacks"}, "Version": {APIVersion}, "StackName": {"s"}})
	if !strings.Contains(body, "<StackStatus>CREATE_COMPLETE</StackStatus>") || !strings.Contains(body, "<Outputs><member><OutputKey>Url</OutputKey><OutputValue>Url-value</OutputValue></member></Outputs>") {
		t.Fatalf("stack: %s", body)
	}
}
