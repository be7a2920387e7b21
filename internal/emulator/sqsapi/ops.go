package sqsapi

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/sqs"
)

// op is one SQS action over the decoded request; base is the scheme and
// host queue URLs start with ("http://127.0.0.1:4567").
type op func(ctx context.Context, base string, in *request) (any, error)

type api struct{ e *sqs.Engine }

func (a *api) ops() map[string]op {
	return map[string]op{
		"CreateQueue":                  a.createQueue,
		"GetQueueUrl":                  a.getQueueURL,
		"ListQueues":                   a.listQueues,
		"GetQueueAttributes":           a.getQueueAttributes,
		"SetQueueAttributes":           a.setQueueAttributes,
		"DeleteQueue":                  a.deleteQueue,
		"PurgeQueue":                   a.purgeQueue,
		"SendMessage":                  a.sendMessage,
		"SendMessageBatch":             a.sendMessageBatch,
		"ReceiveMessage":               a.receiveMessage,
		"DeleteMessage":                a.deleteMessage,
		"DeleteMessageBatch":           a.deleteMessageBatch,
		"ChangeMessageVisibility":      a.changeVisibility,
		"ChangeMessageVisibilityBatch": a.changeVisibilityBatch,
		"ListQueueTags":                a.listQueueTags,
		"TagQueue":                     a.tagQueue,
		"UntagQueue":                   a.untagQueue,
	}
}

func (a *api) url(base, name string) string {
	return strings.TrimRight(base, "/") + "/" + a.e.AccountID() + "/" + name
}

// queueName is the queue a request's QueueUrl names; it must exist.
func (a *api) queueName(in *request) (string, error) {
	if in.QueueUrl == "" {
		return "", sqs.MissingParameter("QueueUrl")
	}
	name := sqs.QueueName(in.QueueUrl)
	if _, err := a.e.GetQueue(name); err != nil {
		return "", err
	}
	return name, nil
}

func (a *api) createQueue(_ context.Context, base string, in *request) (any, error) {
	if in.QueueName == "" {
		return nil, sqs.MissingParameter("QueueName")
	}
	q, err := a.e.CreateQueue(in.QueueName, in.Attributes, in.Tags)
	if err != nil {
		return nil, err
	}
	return queueURLOut{a.url(base, q.Name)}, nil
}

func (a *api) getQueueURL(_ context.Context, base string, in *request) (any, error) {
	if in.QueueName == "" {
		return nil, sqs.MissingParameter("QueueName")
	}
	q, err := a.e.GetQueue(in.QueueName)
	if err != nil {
		return nil, err
	}
	return queueURLOut{a.url(base, q.Name)}, nil
}

func (a *api) listQueues(_ context.Context, base string, in *request) (any, error) {
	names := a.e.ListQueues(in.QueueNamePrefix)
	start := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(in.NextToken)
		if err != nil || n < 0 || n > len(names) {
			return nil, sqs.InvalidParameter("Invalid NextToken value.")
		}
		start = n
	}
	end := len(names)
	var out listQueuesOut
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, sqs.InvalidParameter("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *in.MaxResults)
		}
		if start+*in.MaxResults < end {
			end = start + *in.MaxResults
			out.NextToken = strconv.Itoa(end)
		}
	} else if end-start > 1000 {
		end = start + 1000
	}
	for _, n := range names[start:end] {
		out.QueueUrls = append(out.QueueUrls, a.url(base, n))
	}
	return out, nil
}

func (a *api) getQueueAttributes(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	attrs, err := a.e.QueueAttributes(name, in.AttributeNames)
	if err != nil {
		return nil, err
	}
	return attributesOut{attrMap(attrs)}, nil
}

func (a *api) setQueueAttributes(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	if in.Attributes == nil {
		return nil, sqs.MissingParameter("Attributes")
	}
	return empty{}, a.e.SetQueueAttributes(name, in.Attributes)
}

func (a *api) deleteQueue(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	return empty{}, a.e.DeleteQueue(name)
}

func (a *api) purgeQueue(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	return empty{}, a.e.PurgeQueue(name)
}

func toAttrs(m map[string]msgAttr) map[string]sqs.MessageAttribute {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]sqs.MessageAttribute, len(m))
	for k, v := range m {
		a := sqs.MessageAttribute{DataType: v.DataType, BinaryValue: v.BinaryValue}
		if v.StringValue != nil {
			a.StringValue = *v.StringValue
		}
		out[k] = a
	}
	return out
}

func fromAttrs(m map[string]sqs.MessageAttribute) msgAttrsOut {
	if len(m) == 0 {
		return nil
	}
	out := make(msgAttrsOut, len(m))
	for k, v := range m {
		a := msgAttr{DataType: v.DataType, BinaryValue: v.BinaryValue}
		if len(v.BinaryValue) == 0 {
			s := v.StringValue
			a.StringValue = &s
		}
		out[k] = a
	}
	return out
}

func (a *api) sendMessage(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	if in.MessageBody == nil {
		return nil, sqs.MissingParameter("MessageBody")
	}
	res, errs, err := a.e.Send(name, []sqs.SendInput{{Body: *in.MessageBody, Attributes: toAttrs(in.MessageAttributes), DelaySeconds: in.DelaySeconds}})
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return sendOut{MessageId: res[0].MessageID, MD5OfMessageBody: res[0].MD5OfMessageBody, MD5OfMessageAttributes: res[0].MD5OfMessageAttributes}, nil
}

// checkEntries applies the batch rules every *Batch action shares.
func checkEntries(entries []entry) error {
	if len(entries) == 0 {
		return &sqs.Error{Code: "EmptyBatchRequest", QueryCode: "AWS.SimpleQueueService.EmptyBatchRequest", Message: "There should be at least one SendMessageBatchRequestEntry in the request."}
	}
	if len(entries) > 10 {
		return &sqs.Error{Code: "TooManyEntriesInBatchRequest", QueryCode: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", Message: "Maximum number of entries per request are 10. You have sent " + strconv.Itoa(len(entries)) + "."}
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Id == "" || len(e.Id) > 80 || strings.IndexFunc(e.Id, func(r rune) bool {
			return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) >= 0 {
			return &sqs.Error{Code: "InvalidBatchEntryId", QueryCode: "AWS.SimpleQueueService.InvalidBatchEntryId", Message: "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."}
		}
		if seen[e.Id] {
			return &sqs.Error{Code: "BatchEntryIdsNotDistinct", QueryCode: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", Message: "Id " + e.Id + " repeated."}
		}
		seen[e.Id] = true
	}
	return nil
}

func batchErr(id string, err error) batchError {
	var se *sqs.Error
	if errors.As(err, &se) {
		return batchError{Id: id, SenderFault: true, Code: se.QueryCode, Message: se.Message}
	}
	return batchError{Id: id, Code: "InternalError", Message: err.Error()}
}

func (a *api) sendMessageBatch(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	if err := checkEntries(in.Entries); err != nil {
		return nil, err
	}
	ins := make([]sqs.SendInput, len(in.Entries))
	out := sendBatchOut{Successful: []sendBatchEntryOut{}, Failed: []batchError{}}
	missing := make([]bool, len(in.Entries))
	for i, e := range in.Entries {
		if e.MessageBody == nil {
			missing[i] = true
			continue
		}
		ins[i] = sqs.SendInput{Body: *e.MessageBody, Attributes: toAttrs(e.MessageAttributes), DelaySeconds: e.DelaySeconds}
	}
	res, errs, err := a.e.Send(name, ins)
	if err != nil {
		return nil, err
	}
	for i, e := range in.Entries {
		switch {
		case missing[i]:
			out.Failed = append(out.Failed, batchErr(e.Id, sqs.MissingParameter("MessageBody")))
		case errs[i] != nil:
			out.Failed = append(out.Failed, batchErr(e.Id, errs[i]))
		default:
			r := res[i]
			out.Successful = append(out.Successful, sendBatchEntryOut{Id: e.Id, sendOut: sendOut{MessageId: r.MessageID, MD5OfMessageBody: r.MD5OfMessageBody, MD5OfMessageAttributes: r.MD5OfMessageAttributes}})
		}
	}
	return out, nil
}

// Message system attributes ReceiveMessage can return.
var systemAttrs = []string{"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"}

func (a *api) receiveMessage(ctx context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	got, err := a.e.Receive(ctx, name, sqs.ReceiveOptions{Max: in.MaxNumberOfMessages, VisibilityTimeout: in.VisibilityTimeout, WaitSeconds: in.WaitTimeSeconds})
	if err != nil {
		return nil, err
	}
	wantSys := map[string]bool{}
	for _, n := range append(append([]string(nil), in.AttributeNames...), in.MessageSystemAttributeNames...) {
		if n == "All" {
			for _, s := range systemAttrs {
				wantSys[s] = true
			}
		}
		wantSys[n] = true
	}
	out := receiveOut{Messages: []messageOut{}}
	for _, m := range got {
		mo := messageOut{MessageId: m.ID, ReceiptHandle: m.ReceiptHandle, MD5OfBody: m.MD5OfBody(), Body: m.Body}
		sys := map[string]string{
			"SenderId":                         a.e.AccountID(),
			"SentTimestamp":                    strconv.FormatInt(m.Sent.UnixMilli(), 10),
			"ApproximateReceiveCount":          strconv.Itoa(m.ReceiveCount),
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.FirstReceive.UnixMilli(), 10),
		}
		for k, v := range sys {
			if wantSys[k] {
				if mo.Attributes == nil {
					mo.Attributes = attrMap{}
				}
				mo.Attributes[k] = v
			}
		}
		if attrs := selectAttrs(m.Attributes, in.MessageAttributeNames); len(attrs) > 0 {
			mo.MessageAttributes = fromAttrs(attrs)
			mo.MD5OfMessageAttributes = sqs.MD5OfAttributes(attrs)
		}
		out.Messages = append(out.Messages, mo)
	}
	return out, nil
}

// selectAttrs keeps the message attributes names asks for: "All", ".*",
// a "prefix.*" or an exact name.
func selectAttrs(attrs map[string]sqs.MessageAttribute, names []string) map[string]sqs.MessageAttribute {
	if len(attrs) == 0 || len(names) == 0 {
		return nil
	}
	out := map[string]sqs.MessageAttribute{}
	for k, v := range attrs {
		for _, n := range names {
			if n == "All" || n == ".*" || n == k || strings.HasSuffix(n, ".*") && strings.HasPrefix(k, strings.TrimSuffix(n, "*")) {
				out[k] = v
				break
			}
		}
	}
	return out
}

func (a *api) deleteMessage(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	if in.ReceiptHandle == "" {
		return nil, sqs.MissingParameter("ReceiptHandle")
	}
	errs, err := a.e.Delete(name, []string{in.ReceiptHandle})
	if err != nil {
		return nil, err
	}
	return empty{}, errs[0]
}

func (a *api) deleteMessageBatch(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	if err := checkEntries(in.Entries); err != nil {
		return nil, err
	}
	handles := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		handles[i] = e.ReceiptHandle
	}
	errs, err := a.e.Delete(name, handles)
	if err != nil {
		return nil, err
	}
	ok, failed := batchResults(in.Entries, errs)
	return deleteBatchOut{Successful: ok, Failed: failed}, nil
}

// batchResults splits a batch's entries by their results (errs[i] is
// entry i's): the ids that succeeded, the errors of the others.
func batchResults(entries []entry, errs []error) ([]idOut, []batchError) {
	ok, failed := []idOut{}, []batchError{}
	for i, e := range entries {
		if errs[i] != nil {
			failed = append(failed, batchErr(e.Id, errs[i]))
		} else {
			ok = append(ok, idOut{e.Id})
		}
	}
	return ok, failed
}

func (a *api) changeVisibility(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	if in.ReceiptHandle == "" {
		return nil, sqs.MissingParameter("ReceiptHandle")
	}
	if in.VisibilityTimeout == nil {
		return nil, sqs.MissingParameter("VisibilityTimeout")
	}
	errs, err := a.e.ChangeVisibility(name, []sqs.VisibilityChange{{ReceiptHandle: in.ReceiptHandle, Timeout: *in.VisibilityTimeout}})
	if err != nil {
		return nil, err
	}
	return empty{}, errs[0]
}

func (a *api) changeVisibilityBatch(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	if err := checkEntries(in.Entries); err != nil {
		return nil, err
	}
	changes := make([]sqs.VisibilityChange, len(in.Entries))
	for i, e := range in.Entries {
		changes[i] = sqs.VisibilityChange{ReceiptHandle: e.ReceiptHandle}
		if e.VisibilityTimeout != nil {
			changes[i].Timeout = *e.VisibilityTimeout
		}
	}
	errs, err := a.e.ChangeVisibility(name, changes)
	if err != nil {
		return nil, err
	}
	ok, failed := batchResults(in.Entries, errs)
	return changeBatchOut{Successful: ok, Failed: failed}, nil
}

func (a *api) listQueueTags(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	q, err := a.e.GetQueue(name)
	if err != nil {
		return nil, err
	}
	return tagsOut{tagMap(q.Tags)}, nil
}

func (a *api) tagQueue(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	return empty{}, a.e.TagQueue(name, in.Tags, nil)
}

func (a *api) untagQueue(_ context.Context, _ string, in *request) (any, error) {
	name, err := a.queueName(in)
	if err != nil {
		return nil, err
	}
	return empty{}, a.e.TagQueue(name, nil, in.TagKeys)
}
