package expr

import (
	"sort"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// Apply returns the attributes of item the projection selects, keeping
// their nesting: "a.b, c[1]" yields {a: {b: ...}, c: [<element 1>]}. Paths
// that are absent are left out, and so is a map or list left empty by
// them. Selected list elements keep their relative order. item is not
// mutated and the result shares nothing with it.
func (pr *Projection) Apply(item attr.Item, p *Placeholders) (attr.Item, error) {
	if err := pr.Validate(p); err != nil {
		return nil, err
	}
	root := &projNode{}
	for _, d := range pr.paths {
		r, undefined := d.resolve(p)
		if undefined != "" {
			return nil, newError(labelProjection, "%s", undefinedName(undefined))
		}
		root.insert(r)
	}
	out := attr.Item{}
	for name, child := range root.fields {
		if v, ok := item[name]; ok {
			if pv, ok := child.project(v); ok {
				out[name] = pv
			}
		}
	}
	return out, nil
}

// projNode is a trie of requested paths. Validation has rejected
// overlapping and conflicting paths, so a node is a leaf, or has map
// children, or has list children.
type projNode struct {
	leaf    bool
	fields  map[string]*projNode
	indexes map[int]*projNode
}

func (n *projNode) insert(r resolvedPath) {
	for _, s := range r {
		var next *projNode
		if s.isIndex {
			if n.indexes == nil {
				n.indexes = map[int]*projNode{}
			}
			if next = n.indexes[s.index]; next == nil {
				next = &projNode{}
				n.indexes[s.index] = next
			}
		} else {
			if n.fields == nil {
				n.fields = map[string]*projNode{}
			}
			if next = n.fields[s.name]; next == nil {
				next = &projNode{}
				n.fields[s.name] = next
			}
		}
		n = next
	}
	n.leaf = true
}

func (n *projNode) project(v attr.Value) (attr.Value, bool) {
	switch {
	case n.leaf:
		return v.Clone(), true
	case n.fields != nil:
		if v.Type != attr.TypeM {
			return attr.Value{}, false
		}
		m := map[string]attr.Value{}
		for name, child := range n.fields {
			if cv, ok := v.M[name]; ok {
				if pv, ok := child.project(cv); ok {
					m[name] = pv
				}
			}
		}
		return attr.Map(m), len(m) > 0
	case n.indexes != nil:
		if v.Type != attr.TypeL {
			return attr.Value{}, false
		}
		idx := make([]int, 0, len(n.indexes))
		for i := range n.indexes {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		var l []attr.Value
		for _, i := range idx {
			if i < len(v.L) {
				if pv, ok := n.indexes[i].project(v.L[i]); ok {
					l = append(l, pv)
				}
			}
		}
		return attr.List(l...), len(l) > 0
	}
	return attr.Value{}, false
}
