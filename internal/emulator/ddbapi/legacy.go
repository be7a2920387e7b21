package ddbapi

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// The legacy (pre-expression) parameters — Expected, ConditionalOperator,
// AttributeUpdates, KeyConditions, QueryFilter, ScanFilter and
// AttributesToGet — are translated here into the equivalent expressions,
// with generated placeholders, so the engine has one evaluation path.
// Validation messages follow DynamoDB's.

// legacyCondition is one entry of Expected, KeyConditions, QueryFilter or
// ScanFilter.
type legacyCondition struct {
	ComparisonOperator string
	AttributeValueList []attr.Value
	Value              *attr.Value
	Exists             *bool
}

// legacyUpdate is one entry of AttributeUpdates.
type legacyUpdate struct {
	Action string
	Value  *attr.Value
}

// present reports whether a raw legacy member was sent.
func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// param is a request member and whether the request sets it.
type param struct {
	name string
	set  bool
}

// checkMixing refuses a request that mixes expression and legacy
// parameters, and placeholders without expressions, with DynamoDB's
// messages. KeyConditions may accompany expressions other than
// KeyConditionExpression, as DynamoDB allows.
func checkMixing(exprs, legacy []param, names map[string]string, values map[string]attr.Value) error {
	var e, l []string
	for _, p := range exprs {
		if p.set {
			e = append(e, p.name)
		}
	}
	keyCondExpr := false
	for _, p := range exprs {
		keyCondExpr = keyCondExpr || (p.name == "KeyConditionExpression" && p.set)
	}
	for _, p := range legacy {
		if p.set && (p.name != "KeyConditions" || keyCondExpr) {
			l = append(l, p.name)
		}
	}
	if len(e) > 0 && len(l) > 0 {
		return validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {%s} Expression parameters: {%s}", strings.Join(l, ", "), strings.Join(e, ", "))
	}
	if names != nil && len(e) == 0 {
		return validation("ExpressionAttributeNames can only be specified when using expressions")
	}
	var valExprs []string
	valSet := false
	for _, p := range exprs {
		if p.name != "ProjectionExpression" {
			valExprs = append(valExprs, p.name)
			valSet = valSet || p.set
		}
	}
	if values != nil && len(valExprs) > 0 && !valSet {
		verb := "is"
		if len(valExprs) > 1 {
			verb = "are"
		}
		return validation("ExpressionAttributeValues can only be specified when using expressions: %s %s null", strings.Join(valExprs, " and "), verb)
	}
	return nil
}

// builder collects generated placeholders.
type builder struct {
	names  map[string]string
	values map[string]attr.Value
	n      int
}

func (b *builder) name(n string) string {
	if b.names == nil {
		b.names = map[string]string{}
	}
	for k, v := range b.names {
		if v == n {
			return k
		}
	}
	k := fmt.Sprintf("#sfapiLegacy%d", len(b.names))
	b.names[k] = n
	return k
}

func (b *builder) value(v attr.Value) string {
	if b.values == nil {
		b.values = map[string]attr.Value{}
	}
	k := fmt.Sprintf(":sfapiLegacy%d", b.n)
	b.n++
	b.values[k] = v
	return k
}

// merge adds the generated placeholders to a request's maps.
func (b *builder) merge(names *map[string]string, values *map[string]attr.Value) {
	for k, v := range b.names {
		if *names == nil {
			*names = map[string]string{}
		}
		(*names)[k] = v
	}
	for k, v := range b.values {
		if *values == nil {
			*values = map[string]attr.Value{}
		}
		(*values)[k] = v
	}
}

func decodeLegacy[T any](raw json.RawMessage, what string) (T, error) {
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, validation("1 validation error detected: Value at '%s' failed to satisfy constraint: %v", what, err)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var argCounts = map[string][2]int{
	"EQ": {1, 1}, "NE": {1, 1}, "LE": {1, 1}, "LT": {1, 1}, "GE": {1, 1}, "GT": {1, 1},
	"CONTAINS": {1, 1}, "NOT_CONTAINS": {1, 1}, "BEGINS_WITH": {1, 1},
	"NULL": {0, 0}, "NOT_NULL": {0, 0}, "IN": {1, 1 << 30}, "BETWEEN": {2, 2},
}

var argTypes = map[string]string{
	"EQ": "S N B SS NS BS", "NE": "S N B SS NS BS", "LE": "S N B", "LT": "S N B", "GE": "S N B", "GT": "S N B",
	"CONTAINS": "S N B", "NOT_CONTAINS": "S N B", "BEGINS_WITH": "S B", "IN": "S N B", "BETWEEN": "S N B",
}

// comparison renders one legacy comparison as an expression.
func (b *builder) comparison(attrName, op string, args []attr.Value) (string, error) {
	n, ok := argCounts[op]
	if !ok {
		return "", validation("1 validation error detected: Value '%s' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]", op)
	}
	if len(args) < n[0] || len(args) > n[1] {
		return "", validation("One or more parameter values were invalid: Invalid number of argument(s) for the %s ComparisonOperator", op)
	}
	for _, a := range args {
		if a.Type != args[0].Type {
			return "", validation("One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type")
		}
		if !strings.Contains(" "+argTypes[op]+" ", " "+a.Type.String()+" ") {
			return "", validation("One or more parameter values were invalid: ComparisonOperator %s is not valid for %s AttributeValue type", op, a.Type)
		}
	}
	if op == "BETWEEN" {
		if c, ok := attr.Compare(args[0], args[1]); ok && c > 0 {
			return "", validation("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound")
		}
	}
	p := b.name(attrName)
	vals := make([]string, len(args))
	for i, a := range args {
		vals[i] = b.value(a)
	}
	switch op {
	case "EQ":
		return p + " = " + vals[0], nil
	case "NE":
		return p + " <> " + vals[0], nil
	case "LE":
		return p + " <= " + vals[0], nil
	case "LT":
		return p + " < " + vals[0], nil
	case "GE":
		return p + " >= " + vals[0], nil
	case "GT":
		return p + " > " + vals[0], nil
	case "NULL":
		return "attribute_not_exists(" + p + ")", nil
	case "NOT_NULL":
		return "attribute_exists(" + p + ")", nil
	case "CONTAINS":
		return "contains(" + p + ", " + vals[0] + ")", nil
	case "NOT_CONTAINS":
		return "NOT contains(" + p + ", " + vals[0] + ")", nil
	case "BEGINS_WITH":
		return "begins_with(" + p + ", " + vals[0] + ")", nil
	case "IN":
		return p + " IN (" + strings.Join(vals, ", ") + ")", nil
	}
	return p + " BETWEEN " + vals[0] + " AND " + vals[1], nil
}

// conditions translates Expected (expected=true) or a Query/Scan filter
// joined by ConditionalOperator.
func (b *builder) conditions(raw, opRaw json.RawMessage, what string, expected bool) (string, error) {
	conds, err := decodeLegacy[map[string]legacyCondition](raw, what)
	if err != nil {
		return "", err
	}
	join := " AND "
	if present(opRaw) {
		op, err := decodeLegacy[string](opRaw, "conditionalOperator")
		if err != nil {
			return "", err
		}
		switch op {
		case "AND":
		case "OR":
			join = " OR "
		default:
			return "", validation("1 validation error detected: Value '%s' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]", op)
		}
		if len(conds) < 2 {
			return "", validation("ConditionalOperator can only be used when Filter or Expected has two or more elements")
		}
	}
	var parts []string
	for _, name := range sortedKeys(conds) {
		c := conds[name]
		var part string
		switch {
		case expected && c.AttributeValueList != nil && c.Value != nil:
			return "", validation("One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: %s", name)
		case expected && c.ComparisonOperator != "" && c.Exists != nil:
			return "", validation("One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: %s", name)
		case expected && c.ComparisonOperator == "" && c.AttributeValueList != nil:
			return "", validation("One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: %s", name)
		case expected && c.ComparisonOperator == "":
			exists := c.Exists == nil || *c.Exists
			switch {
			case exists && c.Value == nil:
				shown := "null"
				if c.Exists != nil {
					shown = "true"
				}
				return "", validation("One or more parameter values were invalid: Value must be provided when Exists is %s for Attribute: %s", shown, name)
			case !exists && c.Value != nil:
				return "", validation("One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: %s", name)
			case !exists:
				part = "attribute_not_exists(" + b.name(name) + ")"
			default:
				part = b.name(name) + " = " + b.value(*c.Value)
			}
		default:
			args := c.AttributeValueList
			if expected && c.Value != nil {
				args = []attr.Value{*c.Value}
			}
			if part, err = b.comparison(name, c.ComparisonOperator, args); err != nil {
				return "", err
			}
		}
		parts = append(parts, part)
	}
	if len(parts) > 1 {
		for i, p := range parts {
			parts[i] = "(" + p + ")"
		}
	}
	return strings.Join(parts, join), nil
}

// keyConditions translates Query's KeyConditions.
func (b *builder) keyConditions(raw json.RawMessage) (string, error) {
	conds, err := decodeLegacy[map[string]legacyCondition](raw, "keyConditions")
	if err != nil {
		return "", err
	}
	if len(conds) == 0 || len(conds) > 2 {
		return "", validation("Conditions can be of length 1 or 2 only")
	}
	var parts []string
	for _, name := range sortedKeys(conds) {
		c := conds[name]
		switch c.ComparisonOperator {
		case "EQ", "LE", "LT", "GE", "GT", "BEGINS_WITH", "BETWEEN":
		default:
			if _, ok := argCounts[c.ComparisonOperator]; ok {
				return "", validation("Attempted conditional constraint is not an indexable operation")
			}
		}
		part, err := b.comparison(name, c.ComparisonOperator, c.AttributeValueList)
		if err != nil {
			return "", err
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, " AND "), nil
}

// attributeUpdates translates UpdateItem's AttributeUpdates.
func (b *builder) attributeUpdates(raw json.RawMessage) (string, error) {
	ups, err := decodeLegacy[map[string]legacyUpdate](raw, "attributeUpdates")
	if err != nil {
		return "", err
	}
	var set, remove, add, del []string
	for _, name := range sortedKeys(ups) {
		u := ups[name]
		switch u.Action {
		case "", "PUT":
			if u.Value == nil {
				return "", validation("One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified")
			}
			set = append(set, b.name(name)+" = "+b.value(*u.Value))
		case "DELETE":
			if u.Value == nil {
				remove = append(remove, b.name(name))
				continue
			}
			switch u.Value.Type {
			case attr.TypeSS, attr.TypeNS, attr.TypeBS:
			default:
				return "", validation("One or more parameter values were invalid: DELETE action with value is not supported for the type %s", u.Value.Type)
			}
			del = append(del, b.name(name)+" "+b.value(*u.Value))
		case "ADD":
			if u.Value == nil {
				return "", validation("One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified")
			}
			switch u.Value.Type {
			case attr.TypeN, attr.TypeSS, attr.TypeNS, attr.TypeBS:
				add = append(add, b.name(name)+" "+b.value(*u.Value))
			case attr.TypeL:
				// Legacy ADD appends to a list, creating it if missing.
				n := b.name(name)
				set = append(set, n+" = list_append(if_not_exists("+n+", "+b.value(attr.List())+"), "+b.value(*u.Value)+")")
			default:
				return "", validation("One or more parameter values were invalid: ADD action is not supported for the type %s", u.Value.Type)
			}
		default:
			return "", validation("1 validation error detected: Value '%s' at 'attributeUpdates.%s.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]", u.Action, name)
		}
	}
	var clauses []string
	for _, c := range []struct {
		kw    string
		items []string
	}{{"SET", set}, {"REMOVE", remove}, {"ADD", add}, {"DELETE", del}} {
		if len(c.items) > 0 {
			clauses = append(clauses, c.kw+" "+strings.Join(c.items, ", "))
		}
	}
	return strings.Join(clauses, " "), nil
}

// attributesToGet translates AttributesToGet into a projection.
func (b *builder) attributesToGet(raw json.RawMessage) (string, error) {
	names, err := decodeLegacy[[]string](raw, "attributesToGet")
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", validation("1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	seen := map[string]bool{}
	parts := make([]string, len(names))
	for i, n := range names {
		if seen[n] {
			return "", validation("One or more parameter values were invalid: Duplicate value in attribute name: %s", n)
		}
		seen[n] = true
		parts[i] = b.name(n)
	}
	return strings.Join(parts, ", "), nil
}

// Per-operation translation: each fills the expression members from the
// legacy ones (after refusing a mix of both).

func (in *putItemInput) fromLegacy() error {
	return writeFromLegacy(&in.legacy, &in.exprParams, &in.ConditionExpression, nil)
}

func (in *deleteItemInput) fromLegacy() error {
	return writeFromLegacy(&in.legacy, &in.exprParams, &in.ConditionExpression, nil)
}

func (in *updateItemInput) fromLegacy() error {
	return writeFromLegacy(&in.legacy, &in.exprParams, &in.ConditionExpression, &in.UpdateExpression)
}

func writeFromLegacy(l *legacy, ep *exprParams, cond, update *string) error {
	exprs := []param{{"ConditionExpression", *cond != ""}}
	legacyParams := []param{{"Expected", present(l.Expected)}, {"ConditionalOperator", present(l.ConditionalOperator)}}
	if update != nil {
		exprs = append([]param{{"UpdateExpression", *update != ""}}, exprs...)
		legacyParams = append([]param{{"AttributeUpdates", present(l.AttributeUpdates)}}, legacyParams...)
	}
	if err := checkMixing(exprs, legacyParams, ep.ExpressionAttributeNames, ep.ExpressionAttributeValues); err != nil {
		return err
	}
	var b builder
	var err error
	if present(l.Expected) {
		if *cond, err = b.conditions(l.Expected, l.ConditionalOperator, "expected", true); err != nil {
			return err
		}
	} else if present(l.ConditionalOperator) {
		return validation("ConditionalOperator cannot be used without Filter or Expected")
	}
	if update != nil && present(l.AttributeUpdates) {
		if *update, err = b.attributeUpdates(l.AttributeUpdates); err != nil {
			return err
		}
	}
	b.merge(&ep.ExpressionAttributeNames, &ep.ExpressionAttributeValues)
	return nil
}

func (in *getItemInput) fromLegacy() error {
	if err := checkMixing([]param{{"ProjectionExpression", in.ProjectionExpression != ""}}, []param{{"AttributesToGet", present(in.AttributesToGet)}}, in.ExpressionAttributeNames, nil); err != nil {
		return err
	}
	if !present(in.AttributesToGet) {
		return nil
	}
	var b builder
	var err error
	if in.ProjectionExpression, err = b.attributesToGet(in.AttributesToGet); err != nil {
		return err
	}
	var none map[string]attr.Value
	b.merge(&in.ExpressionAttributeNames, &none)
	return nil
}

func (in *keysAndAttributes) fromLegacy() error {
	g := getItemInput{legacy: in.legacy, ProjectionExpression: in.ProjectionExpression, ExpressionAttributeNames: in.ExpressionAttributeNames}
	if err := g.fromLegacy(); err != nil {
		return err
	}
	in.ProjectionExpression, in.ExpressionAttributeNames = g.ProjectionExpression, g.ExpressionAttributeNames
	return nil
}

// fromLegacy translates Query (query=true) or Scan legacy members.
func (in *queryInput) fromLegacy(query bool) error {
	filterName := "ScanFilter"
	filterRaw := in.ScanFilter
	exprs := []param{{"FilterExpression", in.FilterExpression != ""}, {"ProjectionExpression", in.ProjectionExpression != ""}}
	legacyParams := []param{{"AttributesToGet", present(in.AttributesToGet)}}
	if query {
		filterName, filterRaw = "QueryFilter", in.QueryFilter
		exprs = append([]param{{"KeyConditionExpression", in.KeyConditionExpression != ""}}, exprs...)
		legacyParams = append(legacyParams, param{"QueryFilter", present(in.QueryFilter)}, param{"ConditionalOperator", present(in.ConditionalOperator)}, param{"KeyConditions", present(in.KeyConditions)})
	} else {
		legacyParams = append(legacyParams, param{"ScanFilter", present(in.ScanFilter)}, param{"ConditionalOperator", present(in.ConditionalOperator)})
	}
	if err := checkMixing(exprs, legacyParams, in.ExpressionAttributeNames, in.ExpressionAttributeValues); err != nil {
		return err
	}
	var b builder
	var err error
	if query && present(in.KeyConditions) {
		if in.KeyConditionExpression, err = b.keyConditions(in.KeyConditions); err != nil {
			return err
		}
	}
	if present(filterRaw) {
		if in.FilterExpression, err = b.conditions(filterRaw, in.ConditionalOperator, strings.ToLower(filterName[:1])+filterName[1:], false); err != nil {
			return err
		}
	} else if present(in.ConditionalOperator) {
		return validation("ConditionalOperator cannot be used without Filter or Expected")
	}
	if present(in.AttributesToGet) {
		if in.ProjectionExpression, err = b.attributesToGet(in.AttributesToGet); err != nil {
			return err
		}
		if in.Select == "" {
			in.Select = "SPECIFIC_ATTRIBUTES"
		}
	}
	b.merge(&in.ExpressionAttributeNames, &in.ExpressionAttributeValues)
	return nil
}
