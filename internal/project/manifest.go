package project

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// ManifestFile is the name of the manifest in a project directory.
const ManifestFile = "sfapi.yaml"

var (
	projectNameRE = nameRule{regexp.MustCompile(`^[a-z][a-z0-9-]*$`), 1, 64}
	regionRE      = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountRE     = regexp.MustCompile(`^[0-9]{12}$`)
	variableRE    = nameRule{regexp.MustCompile(`^[A-Za-z0-9_]+$`), 1, 255}
	logicalIDRE   = nameRule{regexp.MustCompile(`^[A-Za-z0-9]+$`), 1, 255}
	tableNameRE   = nameRule{regexp.MustCompile(`^[A-Za-z0-9_.-]+$`), 3, 255}
	smNameRE      = nameRule{regexp.MustCompile(`^[A-Za-z0-9_-]+$`), 1, 80}
	stageRE       = nameRule{regexp.MustCompile(`^[A-Za-z0-9_-]+$`), 1, 128}
	channelRE     = nameRule{regexp.MustCompile(`^[A-Za-z0-9_.-]+$`), 1, 128}
	busNameRE     = nameRule{regexp.MustCompile(`^[/.\-_A-Za-z0-9]+$`), 1, 256}
	ruleNameRE    = nameRule{regexp.MustCompile(`^[A-Za-z0-9]+$`), 1, 64}
)

// nameRule is a character-class pattern with length bounds. Written as one
// regexp with counted repetition ({1,255}) it compiles into a program that
// repeats the class per count, which cost milliseconds of every sfapi start;
// a plain class plus a length check accepts exactly the same names.
type nameRule struct {
	re       *regexp.Regexp
	min, max int
}

// MatchString reports whether s has an allowed length and only allowed
// characters.
func (r nameRule) MatchString(s string) bool {
	return len(s) >= r.min && len(s) <= r.max && r.re.MatchString(s)
}

// manifestDecoder turns the sfapi.yaml node tree into a Manifest. Cross
// references (pipe → table, target → state machine) are checked after every
// section is read, because sections may come in any order.
type manifestDecoder struct {
	decoder
	m Manifest
	// ids maps every logical ID to the section that declared it, since
	// ${LogicalId} must name one resource unambiguously.
	ids map[string]string
	// substitution value nodes, per state machine, for positioned errors
	// when they are resolved.
	subNodes map[string]map[string]*yaml.Node
	// definition nodes, per state machine, for missing-file errors.
	defNodes    map[string]*yaml.Node
	checks      []func()
	openapiNode *yaml.Node
}

func decodeManifest(root *yaml.Node, errs *collector) *manifestDecoder {
	d := &manifestDecoder{
		decoder:  decoder{file: ManifestFile, errs: errs},
		ids:      map[string]string{},
		subNodes: map[string]map[string]*yaml.Node{},
		defNodes: map[string]*yaml.Node{},
	}
	d.m = Manifest{
		Region:        DefaultRegion,
		AccountID:     DefaultAccountID,
		Variables:     map[string]string{},
		Tables:        map[string]Table{},
		API:           API{Stage: DefaultStage},
		StateMachines: map[string]StateMachine{},
		Pipes:         map[string]Pipe{},
		Rules:         map[string]Rule{},
		Queues:        map[string]Queue{},
		WebSocket:     WebSocket{Path: DefaultWebSocketPath},
	}
	f := d.fields(root, "project", "name", "region", "accountId", "variables", "tables", "api",
		"stateMachines", "pipes", "rules", "queues", "websocket", "backend")
	if f == nil {
		return d
	}
	if v, ok := d.required(f, root, "project", "name"); ok {
		d.m.Name, _ = d.match(v.val, "name", projectNameRE, "use lower-case letters, digits and '-', starting with a letter, at most 64 characters")
	}
	if v, ok := f["region"]; ok {
		if s, ok := d.match(v.val, "region", regionRE, "want a region such as us-east-1"); ok {
			d.m.Region = s
		}
	}
	if v, ok := f["accountId"]; ok {
		if s, ok := d.match(v.val, "accountId", accountRE, "want 12 digits"); ok {
			d.m.AccountID = s
		}
	}
	if v, ok := f["backend"]; ok {
		d.m.Backend, _ = d.enum(v.val, "backend", BackendEmbedded, BackendContainers)
	}
	if v, ok := f["variables"]; ok {
		for _, p := range d.pairs(v.val, "variables") {
			if !variableRE.MatchString(p.key.Value) {
				d.errorf(p.key, "invalid variable name %q: use letters, digits and '_'", p.key.Value)
				continue
			}
			if s, ok := d.str(p.val, "variables."+p.key.Value); ok {
				d.m.Variables[p.key.Value] = s
			}
		}
	}
	// Logical IDs first, so references between sections can be checked
	// whatever the order of the file.
	sections := []struct {
		key    string
		decode func(id string, k, v *yaml.Node)
	}{
		{"tables", d.table},
		{"stateMachines", d.stateMachine},
		{"pipes", d.pipe},
		{"rules", d.rule},
		{"queues", d.queue},
	}
	type entry struct{ k, v *yaml.Node }
	bySection := map[string][]entry{}
	for _, s := range sections {
		v, ok := f[s.key]
		if !ok {
			continue
		}
		for _, p := range d.pairs(v.val, s.key) {
			id := p.key.Value
			if !logicalIDRE.MatchString(id) {
				d.errorf(p.key, "invalid logical ID %q in %s: use letters and digits only", id, s.key)
				continue
			}
			if prev, dup := d.ids[id]; dup {
				d.errorf(p.key, "logical ID %q in %s is already used in %s", id, s.key, prev)
				continue
			}
			if _, clash := d.m.Variables[id]; clash {
				d.errorf(p.key, "logical ID %q in %s is also the name of a variable; ${%s} would be ambiguous", id, s.key, id)
				continue
			}
			d.ids[id] = s.key
			bySection[s.key] = append(bySection[s.key], entry{p.key, p.val})
		}
	}
	for _, s := range sections {
		for _, e := range bySection[s.key] {
			s.decode(e.k.Value, e.k, e.v)
		}
	}
	if v, ok := f["api"]; ok {
		d.api(v.val)
	}
	if v, ok := f["websocket"]; ok {
		d.webSocket(v.key, v.val)
	}
	for _, c := range d.checks {
		c()
	}
	d.uniqueNames()
	return d
}

func (d *manifestDecoder) pos(n *yaml.Node) Pos {
	return Pos{File: d.file, Line: n.Line, Col: n.Column}
}

// relPath reads a path to a file inside the project directory.
func (d *manifestDecoder) relPath(n *yaml.Node, what string) (string, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return "", false
	}
	if s == "" || !filepath.IsLocal(filepath.FromSlash(s)) {
		d.errorf(deref(n), "%s %q must be a relative path inside the project directory", what, s)
		return "", false
	}
	return path.Clean(filepath.ToSlash(s)), true
}

func (d *manifestDecoder) api(n *yaml.Node) {
	f := d.fields(n, "api", "openapi", "stage", "apiKeys")
	if f == nil {
		return
	}
	if v, ok := d.required(f, n, "api", "openapi"); ok {
		d.m.API.OpenAPI, _ = d.relPath(v.val, "api.openapi")
		d.openapiNode = deref(v.val)
	}
	if v, ok := f["stage"]; ok {
		if s, ok := d.match(v.val, "api.stage", stageRE, "use letters, digits, '-' and '_', at most 128 characters"); ok {
			d.m.API.Stage = s
		}
	}
	if v, ok := f["apiKeys"]; ok {
		keys, good := d.strs(v.val, "api.apiKeys")
		for _, k := range keys {
			// API Gateway's own rule for key values.
			if len(k) < 20 || len(k) > 128 {
				d.errorf(deref(v.val), "api.apiKeys: a key must be 20 to 128 characters long")
				good = false
				break
			}
		}
		if good {
			d.m.API.APIKeys = keys
		}
	}
}

func (d *manifestDecoder) keyAttr(n *yaml.Node, what string) (KeyAttr, bool) {
	f := d.fields(n, what, "name", "type")
	if f == nil {
		return KeyAttr{}, false
	}
	var k KeyAttr
	ok := true
	if v, has := d.required(f, n, what, "name"); has {
		s, good := d.str(v.val, what+".name")
		if good && (s == "" || len(s) > 255) {
			d.errorf(deref(v.val), "%s.name must be 1 to 255 characters", what)
			good = false
		}
		k.Name, ok = s, ok && good
	} else {
		ok = false
	}
	if v, has := d.required(f, n, what, "type"); has {
		s, good := d.enum(v.val, what+".type", KeyTypeString, KeyTypeNumber, KeyTypeBinary)
		k.Type, ok = s, ok && good
	} else {
		ok = false
	}
	return k, ok
}

func (d *manifestDecoder) table(id string, key, n *yaml.Node) {
	what := "tables." + id
	t := Table{LogicalID: id, Name: id, BillingMode: BillingPayPerRequest, Pos: d.pos(key)}
	defer func() { d.m.Tables[id] = t }()
	f := d.fields(n, what, "tableName", "keySchema", "globalSecondaryIndexes", "localSecondaryIndexes",
		"stream", "ttlAttribute", "billingMode")
	if f == nil {
		return
	}
	if v, ok := f["tableName"]; ok {
		if s, ok := d.match(v.val, what+".tableName", tableNameRE, "use 3 to 255 letters, digits, '_', '-' and '.'"); ok {
			t.Name = s
		}
	} else if !tableNameRE.MatchString(id) {
		d.errorf(key, "logical ID %q is not a valid table name (3 to 255 characters); set tableName", id)
	}
	// attrTypes catches one attribute declared with two types, which
	// DynamoDB rejects in AttributeDefinitions.
	attrTypes := map[string]string{}
	attr := func(k KeyAttr, n *yaml.Node) {
		if prev, ok := attrTypes[k.Name]; ok && prev != k.Type {
			d.errorf(deref(n), "attribute %q is declared as %s and as %s", k.Name, prev, k.Type)
			return
		}
		attrTypes[k.Name] = k.Type
	}
	if v, ok := d.required(f, n, what, "keySchema"); ok {
		ks := d.fields(v.val, what+".keySchema", "partitionKey", "sortKey")
		if ks != nil {
			if pk, ok := d.required(ks, v.val, what+".keySchema", "partitionKey"); ok {
				if k, ok := d.keyAttr(pk.val, what+".keySchema.partitionKey"); ok {
					t.PartitionKey = k
					attr(k, pk.val)
				}
			}
			if sk, ok := ks["sortKey"]; ok {
				if k, ok := d.keyAttr(sk.val, what+".keySchema.sortKey"); ok {
					t.SortKey = &k
					attr(k, sk.val)
				}
			}
		}
	}
	names := map[string]bool{}
	if v, ok := f["globalSecondaryIndexes"]; ok {
		items := d.seq(v.val, what+".globalSecondaryIndexes")
		if len(items) > 20 {
			d.errorf(deref(v.val), "%s.globalSecondaryIndexes: at most 20 indexes are allowed", what)
		}
		for i, it := range items {
			if ix, ok := d.index(it, fmt.Sprintf("%s.globalSecondaryIndexes[%d]", what, i), true, names, attr); ok {
				t.GSIs = append(t.GSIs, ix)
			}
		}
	}
	if v, ok := f["localSecondaryIndexes"]; ok {
		items := d.seq(v.val, what+".localSecondaryIndexes")
		if len(items) > 5 {
			d.errorf(deref(v.val), "%s.localSecondaryIndexes: at most 5 indexes are allowed", what)
		}
		if len(items) > 0 && t.SortKey == nil {
			d.errorf(deref(v.val), "%s.localSecondaryIndexes need a table with a sortKey", what)
		}
		for i, it := range items {
			if ix, ok := d.index(it, fmt.Sprintf("%s.localSecondaryIndexes[%d]", what, i), false, names, attr); ok {
				ix.PartitionKey = t.PartitionKey
				t.LSIs = append(t.LSIs, ix)
			}
		}
	}
	if v, ok := f["stream"]; ok {
		t.StreamViewType, _ = d.enum(v.val, what+".stream", StreamNewAndOldImages, StreamNewImage, StreamOldImage, StreamKeysOnly)
	}
	if v, ok := f["ttlAttribute"]; ok {
		if s, ok := d.str(v.val, what+".ttlAttribute"); ok {
			if s == "" || len(s) > 255 {
				d.errorf(deref(v.val), "%s.ttlAttribute must be 1 to 255 characters", what)
			} else {
				t.TTLAttribute = s
			}
		}
	}
	if v, ok := f["billingMode"]; ok {
		if s, ok := d.enum(v.val, what+".billingMode", BillingPayPerRequest, BillingProvisioned); ok {
			t.BillingMode = s
		}
	}
}

func (d *manifestDecoder) index(n *yaml.Node, what string, global bool, names map[string]bool, attr func(KeyAttr, *yaml.Node)) (Index, bool) {
	known := []string{"indexName", "partitionKey", "sortKey", "projection", "nonKeyAttributes"}
	if !global {
		known = []string{"indexName", "sortKey", "projection", "nonKeyAttributes"}
	}
	f := d.fields(n, what, known...)
	if f == nil {
		return Index{}, false
	}
	ix := Index{Projection: ProjectionAll}
	ok := true
	if v, has := d.required(f, n, what, "indexName"); has {
		s, good := d.match(v.val, what+".indexName", tableNameRE, "use 3 to 255 letters, digits, '_', '-' and '.'")
		if good && names[s] {
			d.errorf(deref(v.val), "duplicate index name %q", s)
			good = false
		}
		names[s] = true
		ix.Name, ok = s, ok && good
	} else {
		ok = false
	}
	if global {
		if v, has := d.required(f, n, what, "partitionKey"); has {
			k, good := d.keyAttr(v.val, what+".partitionKey")
			if good {
				attr(k, v.val)
			}
			ix.PartitionKey, ok = k, ok && good
		} else {
			ok = false
		}
		if v, has := f["sortKey"]; has {
			k, good := d.keyAttr(v.val, what+".sortKey")
			if good {
				attr(k, v.val)
				ix.SortKey = &k
			}
			ok = ok && good
		}
	} else {
		if v, has := d.required(f, n, what, "sortKey"); has {
			k, good := d.keyAttr(v.val, what+".sortKey")
			if good {
				attr(k, v.val)
				ix.SortKey = &k
			}
			ok = ok && good
		} else {
			ok = false
		}
	}
	if v, has := f["projection"]; has {
		s, good := d.enum(v.val, what+".projection", ProjectionAll, ProjectionKeysOnly, ProjectionInclude)
		if good {
			ix.Projection = s
		}
		ok = ok && good
	}
	if v, has := f["nonKeyAttributes"]; has {
		attrs, good := d.strs(v.val, what+".nonKeyAttributes")
		if good && ix.Projection != ProjectionInclude {
			d.errorf(deref(v.val), "%s.nonKeyAttributes needs projection INCLUDE", what)
			good = false
		}
		ix.NonKeyAttributes, ok = attrs, ok && good
	} else if ix.Projection == ProjectionInclude {
		d.errorf(deref(n), "%s: projection INCLUDE needs nonKeyAttributes", what)
		ok = false
	}
	return ix, ok
}

func (d *manifestDecoder) stateMachine(id string, key, n *yaml.Node) {
	what := "stateMachines." + id
	sm := StateMachine{LogicalID: id, Name: id, Type: StateMachineStandard, Substitutions: map[string]string{}, Pos: d.pos(key)}
	defer func() { d.m.StateMachines[id] = sm }()
	f := d.fields(n, what, "definition", "type", "stateMachineName", "substitutions")
	if f == nil {
		return
	}
	if v, ok := d.required(f, n, what, "definition"); ok {
		sm.DefinitionFile, _ = d.relPath(v.val, what+".definition")
		d.defNodes[id] = deref(v.val)
	}
	if v, ok := f["type"]; ok {
		if s, ok := d.enum(v.val, what+".type", StateMachineStandard, StateMachineExpress); ok {
			sm.Type = s
		}
	}
	if v, ok := f["stateMachineName"]; ok {
		if s, ok := d.match(v.val, what+".stateMachineName", smNameRE, "use 1 to 80 letters, digits, '-' and '_'"); ok {
			sm.Name = s
		}
	} else if !smNameRE.MatchString(id) {
		d.errorf(key, "logical ID %q is not a valid state machine name (at most 80 characters); set stateMachineName", id)
	}
	if v, ok := f["substitutions"]; ok {
		nodes := map[string]*yaml.Node{}
		for _, p := range d.pairs(v.val, what+".substitutions") {
			if s, ok := d.str(p.val, what+".substitutions."+p.key.Value); ok {
				sm.Substitutions[p.key.Value] = s
				nodes[p.key.Value] = deref(p.val)
			}
		}
		d.subNodes[id] = nodes
	}
}

// stateMachineRef checks, once every section is read, that n names a state
// machine.
func (d *manifestDecoder) stateMachineRef(n *yaml.Node, what, id string) {
	d.checks = append(d.checks, func() {
		if _, ok := d.m.StateMachines[id]; !ok {
			d.errorf(deref(n), "%s: unknown state machine %q%s", what, id, d.known("stateMachines"))
		}
	})
}

// known lists the logical IDs of a section for "unknown X" messages.
func (d *manifestDecoder) known(section string) string {
	var ids []string
	for id, s := range d.ids {
		if s == section {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return " (none declared)"
	}
	sortStrings(ids)
	return " (known: " + strings.Join(ids, ", ") + ")"
}

func (d *manifestDecoder) pipe(id string, key, n *yaml.Node) {
	what := "pipes." + id
	p := Pipe{LogicalID: id, Pos: d.pos(key)}
	p.Source = PipeSource{
		BatchSize:                 DefaultPipeBatchSize,
		MaximumRetryAttempts:      -1,
		MaximumRecordAgeInSeconds: -1,
		ParallelizationFactor:     1,
	}
	defer func() { d.m.Pipes[id] = p }()
	f := d.fields(n, what, "source", "target")
	if f == nil {
		return
	}
	if v, ok := d.required(f, n, what, "source"); ok {
		d.pipeSource(&p.Source, v.val, what+".source")
	}
	if v, ok := d.required(f, n, what, "target"); ok {
		d.pipeTarget(id, &p.Target, v.val, what+".target")
	}
}

func (d *manifestDecoder) pipeSource(s *PipeSource, n *yaml.Node, what string) {
	f := d.fields(n, what, "table", "startingPosition", "batchSize", "maximumBatchingWindowInSeconds",
		"maximumRetryAttempts", "maximumRecordAgeInSeconds", "bisectBatchOnFunctionError",
		"onPartialBatchItemFailure", "parallelizationFactor", "filterCriteria", "deadLetterConfig",
		"onFailure", "destinationConfig", "functionResponseTypes")
	if f == nil {
		return
	}
	if v, ok := d.required(f, n, what, "table"); ok {
		if id, ok := d.str(v.val, what+".table"); ok {
			s.Table = id
			d.checks = append(d.checks, func() {
				t, ok := d.m.Tables[id]
				switch {
				case !ok:
					d.errorf(deref(v.val), "%s.table: unknown table %q%s", what, id, d.known("tables"))
				case t.StreamViewType == "":
					d.errorf(deref(v.val), "%s.table: table %q has no stream; set tables.%s.stream", what, id, id)
				}
			})
		}
	}
	if v, ok := d.required(f, n, what, "startingPosition"); ok {
		s.StartingPosition, _ = d.enum(v.val, what+".startingPosition", StartingPositionTrimHorizon, StartingPositionLatest)
	}
	ints := []struct {
		key    string
		lo, hi int
		dst    *int
	}{
		{"batchSize", 1, 10000, &s.BatchSize},
		{"maximumBatchingWindowInSeconds", 0, 300, &s.MaximumBatchingWindowInSeconds},
		{"maximumRetryAttempts", -1, 10000, &s.MaximumRetryAttempts},
		{"maximumRecordAgeInSeconds", -1, 604800, &s.MaximumRecordAgeInSeconds},
		{"parallelizationFactor", 1, 10, &s.ParallelizationFactor},
	}
	for _, it := range ints {
		v, ok := f[it.key]
		if !ok {
			continue
		}
		x, ok := d.integer(v.val, what+"."+it.key, it.lo, it.hi)
		if !ok {
			continue
		}
		if it.key == "maximumRecordAgeInSeconds" && x != -1 && x < 60 {
			d.errorf(deref(v.val), "%s.maximumRecordAgeInSeconds must be -1 or between 60 and 604800, got %d", what, x)
			continue
		}
		*it.dst = x
	}
	if v, ok := f["bisectBatchOnFunctionError"]; ok {
		s.BisectBatchOnFunctionError, _ = d.boolean(v.val, what+".bisectBatchOnFunctionError")
	}
	if v, ok := f["onPartialBatchItemFailure"]; ok {
		s.OnPartialBatchItemFailure, _ = d.enum(v.val, what+".onPartialBatchItemFailure", "AUTOMATIC_BISECT")
	}
	if v, ok := f["filterCriteria"]; ok {
		fc := d.fields(v.val, what+".filterCriteria", "filters")
		if fl, ok := fc["filters"]; ok {
			items := d.seq(fl.val, what+".filterCriteria.filters")
			if len(items) > 5 {
				d.errorf(deref(fl.val), "%s.filterCriteria.filters: at most 5 filters are allowed", what)
			}
			for i, it := range items {
				fw := fmt.Sprintf("%s.filterCriteria.filters[%d]", what, i)
				ff := d.fields(it, fw, "pattern")
				if ff == nil {
					continue
				}
				if pv, ok := d.required(ff, it, fw, "pattern"); ok {
					if pat, ok := d.jsonText(pv.val, fw+".pattern"); ok {
						s.Filters = append(s.Filters, pat)
					}
				}
			}
		}
	}
	// The dead-letter destination has three spellings: Pipes'
	// DeadLetterConfig.Arn, a short onFailure, and Lambda event source
	// mappings' DestinationConfig.OnFailure.Destination.
	var dlq []string
	if v, ok := f["deadLetterConfig"]; ok {
		if dc := d.fields(v.val, what+".deadLetterConfig", "arn"); dc != nil {
			if a, ok := d.required(dc, v.val, what+".deadLetterConfig", "arn"); ok {
				if x, ok := d.str(a.val, what+".deadLetterConfig.arn"); ok {
					s.OnFailure = x
					dlq = append(dlq, "deadLetterConfig")
				}
			}
		}
	}
	if v, ok := f["onFailure"]; ok {
		if x, ok := d.str(v.val, what+".onFailure"); ok {
			s.OnFailure = x
			dlq = append(dlq, "onFailure")
		}
	}
	if v, ok := f["destinationConfig"]; ok {
		w := what + ".destinationConfig"
		if dc := d.fields(v.val, w, "onFailure"); dc != nil {
			if of, ok := d.required(dc, v.val, w, "onFailure"); ok {
				if oc := d.fields(of.val, w+".onFailure", "destination"); oc != nil {
					if dst, ok := d.required(oc, of.val, w+".onFailure", "destination"); ok {
						if x, ok := d.str(dst.val, w+".onFailure.destination"); ok {
							s.OnFailure = x
							dlq = append(dlq, "destinationConfig")
						}
					}
				}
			}
		}
	}
	if len(dlq) > 1 {
		d.errorf(deref(n), "%s: set only one of %s", what, strings.Join(dlq, ", "))
	}
	if v, ok := f["functionResponseTypes"]; ok {
		// Lambda's ReportBatchItemFailures has no meaning for a pipe;
		// accepted so event source mapping settings can be pasted in.
		d.strs(v.val, what+".functionResponseTypes")
	}
}

// jsonText reads an event pattern written either as a JSON string or as a
// YAML mapping, and returns it as JSON text of an object.
func (d *manifestDecoder) jsonText(n *yaml.Node, what string) (string, bool) {
	n = deref(n)
	if n != nil && n.Kind == yaml.MappingNode {
		w := &jsonWriter{file: d.file, errs: d.errs}
		before := len(d.errs.list)
		w.value(n, "")
		if len(d.errs.list) != before {
			return "", false
		}
		return w.buf.String(), true
	}
	s, ok := d.str(n, what)
	if !ok {
		return "", false
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(s), &obj); err != nil || obj == nil {
		d.errorf(n, "%s must be a JSON object: %s", what, jsonProblem(s, err))
		return "", false
	}
	return s, true
}

func jsonProblem(s string, err error) string {
	if err == nil {
		return "got null"
	}
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%v (at offset %d)", se, se.Offset)
	}
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return "got " + te.Value
	}
	return err.Error()
}

func (d *manifestDecoder) pipeTarget(id string, t *PipeTarget, n *yaml.Node, what string) {
	f := d.fields(n, what, "stateMachine", "eventBus", "push", "invocationType", "inputTemplate", "executionName")
	if f == nil {
		return
	}
	kinds := d.oneOf(f, n, what, "stateMachine", "eventBus", "push")
	if v, ok := f["stateMachine"]; ok {
		if id, ok := d.str(v.val, what+".stateMachine"); ok {
			t.StateMachine = id
			d.stateMachineRef(v.val, what+".stateMachine", id)
		}
	}
	if v, ok := f["eventBus"]; ok {
		t.EventBus, _ = d.match(v.val, what+".eventBus", busNameRE, "use 1 to 256 letters, digits and . - _ /")
	}
	if v, ok := f["push"]; ok {
		t.Push, _ = d.match(v.val, what+".push", channelRE, "use 1 to 128 letters, digits and . - _")
	}
	t.InvocationType = InvocationFireAndForget
	inv, hasInv := f["invocationType"]
	if hasInv {
		if s, ok := d.enum(inv.val, what+".invocationType", InvocationFireAndForget, InvocationRequestResponse); ok {
			t.InvocationType = s
		}
	}
	if v, ok := f["inputTemplate"]; ok {
		t.InputTemplate, _ = d.str(v.val, what+".inputTemplate")
	}
	if v, ok := f["executionName"]; ok {
		if s, ok := d.str(v.val, what+".executionName"); ok {
			if msg := checkExecutionName(s); msg != "" {
				d.errorf(deref(v.val), "%s: %s", what+".executionName", msg)
			} else {
				t.ExecutionName = s
			}
		}
	}
	if kinds != "stateMachine" {
		for _, k := range []string{"invocationType", "executionName"} {
			if v, ok := f[k]; ok && kinds != "" {
				d.errorf(v.key, "%s.%s applies only to a stateMachine target", what, k)
			}
		}
		return
	}
	// The default depends on the machine's type, and Standard workflows
	// cannot be invoked synchronously (AWS rejects REQUEST_RESPONSE), so
	// this waits until every machine is read. It edits the stored pipe:
	// t points at a copy that is already in d.m.Pipes by then.
	machine := t.StateMachine
	d.checks = append(d.checks, func() {
		sm, ok := d.m.StateMachines[machine]
		if !ok {
			return
		}
		if !hasInv {
			if sm.Type == StateMachineExpress {
				p := d.m.Pipes[id]
				p.Target.InvocationType = InvocationRequestResponse
				d.m.Pipes[id] = p
			}
			return
		}
		if sm.Type == StateMachineStandard && t.InvocationType == InvocationRequestResponse {
			d.errorf(deref(inv.val), "%s.invocationType: REQUEST_RESPONSE needs an EXPRESS state machine; %q is STANDARD", what, machine)
		}
	})
}

// oneOf checks that exactly one of keys is present in f and returns it.
func (d *manifestDecoder) oneOf(f map[string]field, n *yaml.Node, what string, keys ...string) string {
	var found []string
	for _, k := range keys {
		if _, ok := f[k]; ok {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 1:
		return found[0]
	case 0:
		d.errorf(deref(n), "%s needs one of %s", what, strings.Join(keys, ", "))
	default:
		d.errorf(f[found[1]].key, "%s: set only one of %s", what, strings.Join(found, ", "))
	}
	return ""
}

// checkExecutionName checks a template with <$.path> placeholders against
// Step Functions' execution name rules (the placeholders are filled at run
// time and checked then).
func checkExecutionName(s string) string {
	if s == "" {
		return "must not be empty"
	}
	var literal strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '<' {
			end := strings.IndexByte(s[i:], '>')
			if end < 0 || !strings.HasPrefix(s[i:], "<$") {
				return fmt.Sprintf("placeholder at offset %d must look like <$.path>", i)
			}
			i += end + 1
			continue
		}
		literal.WriteByte(s[i])
		i++
	}
	if strings.ContainsAny(literal.String(), " \t\n\r<>{}[]?*\"#%\\^|~`$&,;:/") {
		return fmt.Sprintf("%q holds characters Step Functions does not allow in execution names", s)
	}
	if len(literal.String()) > 80 {
		return "must be at most 80 characters"
	}
	return ""
}

var queueNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func (d *manifestDecoder) queue(id string, key, n *yaml.Node) {
	what := "queues." + id
	q := Queue{LogicalID: id, Name: id, VisibilityTimeout: 30, MessageRetentionPeriod: 345600, Pos: d.pos(key)}
	defer func() { d.m.Queues[id] = q }()
	f := d.fields(n, what, "queueName", "visibilityTimeout", "messageRetentionPeriod", "delaySeconds", "receiveMessageWaitTimeSeconds")
	if f == nil {
		return
	}
	if v, ok := f["queueName"]; ok {
		if s, ok := d.match(v.val, what+".queueName", queueNameRE, "use 1 to 80 letters, digits, '-' and '_' (FIFO queues are not supported)"); ok {
			q.Name = s
		}
	} else if !queueNameRE.MatchString(id) {
		d.errorf(key, "logical ID %q is not a valid queue name (at most 80 characters); set queueName", id)
	}
	for _, a := range []struct {
		key    string
		into   *int
		lo, hi int
	}{
		{"visibilityTimeout", &q.VisibilityTimeout, 0, 43200},
		{"messageRetentionPeriod", &q.MessageRetentionPeriod, 60, 1209600},
		{"delaySeconds", &q.DelaySeconds, 0, 900},
		{"receiveMessageWaitTimeSeconds", &q.ReceiveMessageWaitTimeSeconds, 0, 20},
	} {
		if v, ok := f[a.key]; ok {
			if x, ok := d.integer(v.val, what+"."+a.key, a.lo, a.hi); ok {
				*a.into = x
			}
		}
	}
}

func (d *manifestDecoder) rule(id string, key, n *yaml.Node) {
	what := "rules." + id
	r := Rule{LogicalID: id, Name: id, EventBus: DefaultEventBus, State: RuleEnabled, Pos: d.pos(key)}
	defer func() { d.m.Rules[id] = r }()
	if !ruleNameRE.MatchString(id) {
		d.errorf(key, "logical ID %q is not a valid rule name (at most 64 characters)", id)
	}
	f := d.fields(n, what, "eventBus", "eventPattern", "state", "targets")
	if f == nil {
		return
	}
	if v, ok := f["eventBus"]; ok {
		if s, ok := d.match(v.val, what+".eventBus", busNameRE, "use 1 to 256 letters, digits and . - _ /"); ok {
			r.EventBus = s
		}
	}
	if v, ok := d.required(f, n, what, "eventPattern"); ok {
		r.EventPattern, _ = d.jsonText(v.val, what+".eventPattern")
	}
	if v, ok := f["state"]; ok {
		if s, ok := d.enum(v.val, what+".state", RuleEnabled, RuleDisabled); ok {
			r.State = s
		}
	}
	if v, ok := f["targets"]; ok {
		items := d.seq(v.val, what+".targets")
		if len(items) > 5 {
			d.errorf(deref(v.val), "%s.targets: at most 5 targets are allowed", what)
		}
		for i, it := range items {
			if t, ok := d.ruleTarget(it, fmt.Sprintf("%s.targets[%d]", what, i)); ok {
				r.Targets = append(r.Targets, t)
			}
		}
	}
}

func (d *manifestDecoder) ruleTarget(n *yaml.Node, what string) (RuleTarget, bool) {
	var t RuleTarget
	f := d.fields(n, what, "push", "stateMachine", "eventBus", "log", "inputPath", "input", "inputTransformer")
	if f == nil {
		return t, false
	}
	before := len(d.errs.list)
	d.oneOf(f, n, what, "push", "stateMachine", "eventBus", "log")
	if v, ok := f["push"]; ok {
		t.Push, _ = d.match(v.val, what+".push", channelRE, "use 1 to 128 letters, digits and . - _")
	}
	if v, ok := f["stateMachine"]; ok {
		if id, ok := d.str(v.val, what+".stateMachine"); ok {
			t.StateMachine = id
			d.stateMachineRef(v.val, what+".stateMachine", id)
		}
	}
	if v, ok := f["eventBus"]; ok {
		t.EventBus, _ = d.match(v.val, what+".eventBus", busNameRE, "use 1 to 256 letters, digits and . - _ /")
	}
	if v, ok := f["log"]; ok {
		if b, ok := d.boolean(v.val, what+".log"); ok && !b {
			d.errorf(deref(v.val), "%s.log: false is not a target; remove the target instead", what)
		}
		t.Log = true
	}
	var inputs []string
	if v, ok := f["input"]; ok {
		inputs = append(inputs, "input")
		if s, ok := d.str(v.val, what+".input"); ok {
			if !json.Valid([]byte(s)) {
				d.errorf(deref(v.val), "%s.input must be valid JSON", what)
			}
			t.Input = s
		}
	}
	if v, ok := f["inputPath"]; ok {
		inputs = append(inputs, "inputPath")
		if s, ok := d.str(v.val, what+".inputPath"); ok {
			if !strings.HasPrefix(s, "$") {
				d.errorf(deref(v.val), "%s.inputPath %q must be a JSON path starting with $", what, s)
			}
			t.InputPath = s
		}
	}
	if v, ok := f["inputTransformer"]; ok {
		inputs = append(inputs, "inputTransformer")
		w := what + ".inputTransformer"
		if it := d.fields(v.val, w, "inputPathsMap", "inputTemplate"); it != nil {
			tr := &InputTransformer{InputPathsMap: map[string]string{}}
			if pm, ok := it["inputPathsMap"]; ok {
				pairs := d.pairs(pm.val, w+".inputPathsMap")
				if len(pairs) > 100 {
					d.errorf(deref(pm.val), "%s.inputPathsMap: at most 100 paths are allowed", w)
				}
				for _, p := range pairs {
					if s, ok := d.str(p.val, w+".inputPathsMap."+p.key.Value); ok {
						if !strings.HasPrefix(s, "$") {
							d.errorf(deref(p.val), "%s.inputPathsMap.%s %q must be a JSON path starting with $", w, p.key.Value, s)
						}
						tr.InputPathsMap[p.key.Value] = s
					}
				}
			}
			if tv, ok := d.required(it, v.val, w, "inputTemplate"); ok {
				tr.InputTemplate, _ = d.str(tv.val, w+".inputTemplate")
			}
			t.InputTransformer = tr
		}
	}
	if len(inputs) > 1 {
		d.errorf(deref(n), "%s: set only one of %s", what, strings.Join(inputs, ", "))
	}
	return t, len(d.errs.list) == before
}

// uniqueNames rejects two resources with the same physical name, which
// would be one resource locally and a failed stack on AWS.
func (d *manifestDecoder) uniqueNames() {
	tables := map[string]string{}
	for _, id := range sortedKeys(d.m.Tables) {
		t := d.m.Tables[id]
		if prev, dup := tables[t.Name]; dup {
			d.errs.add(t.Pos.Errorf("table name %q of %s is already used by %s", t.Name, id, prev))
		}
		tables[t.Name] = id
	}
	machines := map[string]string{}
	for _, id := range sortedKeys(d.m.StateMachines) {
		sm := d.m.StateMachines[id]
		if prev, dup := machines[sm.Name]; dup {
			d.errs.add(sm.Pos.Errorf("state machine name %q of %s is already used by %s", sm.Name, id, prev))
		}
		machines[sm.Name] = id
	}
	queues := map[string]string{}
	for _, id := range sortedKeys(d.m.Queues) {
		q := d.m.Queues[id]
		if prev, dup := queues[q.Name]; dup {
			d.errs.add(q.Pos.Errorf("queue name %q of %s is already used by %s", q.Name, id, prev))
		}
		queues[q.Name] = id
	}
}
