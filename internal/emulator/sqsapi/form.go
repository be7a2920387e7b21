package sqsapi

import (
	"encoding/base64"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/sqs"
)

// maxIndex bounds the N of "Prefix.N.Member" keys: no SQS list has more
// than a few dozen members, and an index must not size an allocation.
const maxIndex = 1000

// decodeForm reads a query-protocol form into a request: scalars by name,
// flattened lists ("AttributeName.1"), maps ("Attribute.1.Name" /
// ".Value", "Tag.1.Key"), message attributes
// ("MessageAttribute.1.Value.StringValue") and batch entries
// ("SendMessageBatchRequestEntry.1.MessageBody").
func decodeForm(form url.Values) (*request, error) {
	fields := map[string]string{}
	for k, vs := range form {
		if len(vs) > 0 {
			fields[k] = vs[0]
		}
	}
	in := &request{}
	top, groups, err := split(fields)
	if err != nil {
		return nil, err
	}
	for k, v := range top {
		switch k {
		case "QueueName":
			in.QueueName = v
		case "QueueUrl":
			in.QueueUrl = v
		case "QueueNamePrefix":
			in.QueueNamePrefix = v
		case "MessageBody":
			in.MessageBody = &v
		case "ReceiptHandle":
			in.ReceiptHandle = v
		case "NextToken":
			in.NextToken = v
		case "MaxNumberOfMessages":
			n, err := intParam(k, v)
			if err != nil {
				return nil, err
			}
			in.MaxNumberOfMessages = *n
		case "DelaySeconds", "VisibilityTimeout", "WaitTimeSeconds", "MaxResults":
			n, err := intParam(k, v)
			if err != nil {
				return nil, err
			}
			switch k {
			case "DelaySeconds":
				in.DelaySeconds = n
			case "VisibilityTimeout":
				in.VisibilityTimeout = n
			case "WaitTimeSeconds":
				in.WaitTimeSeconds = n
			default:
				in.MaxResults = n
			}
		}
	}
	for _, prefix := range sortedKeys(groups) {
		members := ordered(groups[prefix])
		switch {
		case prefix == "Attribute":
			in.Attributes = map[string]string{}
			for _, m := range members {
				if m["Name"] == "" {
					return nil, sqs.InvalidParameter("Attribute.N.Name is missing")
				}
				in.Attributes[m["Name"]] = m["Value"]
			}
		case prefix == "Tag":
			in.Tags = map[string]string{}
			for _, m := range members {
				in.Tags[m["Key"]] = m["Value"]
			}
		case prefix == "AttributeName" || prefix == "MessageAttributeName" || prefix == "MessageSystemAttributeName" || prefix == "TagKey":
			var list []string
			for _, m := range members {
				list = append(list, m[""])
			}
			switch prefix {
			case "AttributeName":
				in.AttributeNames = list
			case "MessageAttributeName":
				in.MessageAttributeNames = list
			case "MessageSystemAttributeName":
				in.MessageSystemAttributeNames = list
			default:
				in.TagKeys = list
			}
		case prefix == "MessageAttribute":
			if in.MessageAttributes, err = msgAttrs(members); err != nil {
				return nil, err
			}
		case strings.HasSuffix(prefix, "BatchRequestEntry"):
			for _, m := range members {
				e, err := decodeEntry(m)
				if err != nil {
					return nil, err
				}
				in.Entries = append(in.Entries, e)
			}
		}
	}
	return in, nil
}

func intParam(name, v string) (*int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, sqs.InvalidParameter("Value %s for parameter %s is invalid. Reason: must be an integer.", v, name)
	}
	return &n, nil
}

// split separates "Prefix.N.Rest" keys, grouped by prefix and index, from
// plain ones.
func split(fields map[string]string) (map[string]string, map[string]map[int]map[string]string, error) {
	top := map[string]string{}
	groups := map[string]map[int]map[string]string{}
	for k, v := range fields {
		prefix, rest, ok := strings.Cut(k, ".")
		if !ok {
			top[k] = v
			continue
		}
		idx, sub, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 || n > maxIndex {
			return nil, nil, sqs.InvalidParameter("The request has an invalid parameter name %s.", k)
		}
		if groups[prefix] == nil {
			groups[prefix] = map[int]map[string]string{}
		}
		if groups[prefix][n] == nil {
			groups[prefix][n] = map[string]string{}
		}
		groups[prefix][n][sub] = v
	}
	return top, groups, nil
}

func ordered(g map[int]map[string]string) []map[string]string {
	idx := make([]int, 0, len(g))
	for n := range g {
		idx = append(idx, n)
	}
	sort.Ints(idx)
	out := make([]map[string]string, len(idx))
	for i, n := range idx {
		out[i] = g[n]
	}
	return out
}

func msgAttrs(members []map[string]string) (map[string]msgAttr, error) {
	out := map[string]msgAttr{}
	for _, m := range members {
		name := m["Name"]
		if name == "" {
			return nil, sqs.InvalidParameter("MessageAttribute.N.Name is missing")
		}
		a := msgAttr{DataType: m["Value.DataType"]}
		if s, ok := m["Value.StringValue"]; ok {
			a.StringValue = &s
		}
		if b, ok := m["Value.BinaryValue"]; ok {
			raw, err := base64.StdEncoding.DecodeString(b)
			if err != nil {
				return nil, sqs.InvalidParameter("The binary value of message attribute '%s' is not base64.", name)
			}
			a.BinaryValue = raw
		}
		out[name] = a
	}
	return out, nil
}

func decodeEntry(m map[string]string) (entry, error) {
	var e entry
	top, groups, err := split(m)
	if err != nil {
		return e, err
	}
	for k, v := range top {
		switch k {
		case "Id":
			e.Id = v
		case "MessageBody":
			e.MessageBody = &v
		case "ReceiptHandle":
			e.ReceiptHandle = v
		case "DelaySeconds", "VisibilityTimeout":
			n, err := intParam(k, v)
			if err != nil {
				return e, err
			}
			if k == "DelaySeconds" {
				e.DelaySeconds = n
			} else {
				e.VisibilityTimeout = n
			}
		}
	}
	if g := groups["MessageAttribute"]; g != nil {
		if e.MessageAttributes, err = msgAttrs(ordered(g)); err != nil {
			return e, err
		}
	}
	return e, nil
}
