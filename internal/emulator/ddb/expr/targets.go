package expr

// Targets returns a projection over the document paths the update's
// actions write, so the engine can answer ReturnValues UPDATED_OLD and
// UPDATED_NEW with just the updated paths, nested as DynamoDB returns them
// ("SET a.b = :v" yields {a: {b: …}}, not the whole attribute a). With
// withRemoves false, REMOVE actions are left out: DynamoDB reports removed
// paths in UPDATED_OLD only. The paths of a valid update never overlap
// (Validate rejects that), so the projection is valid whenever the update
// is.
func (u *Update) Targets(withRemoves bool) *Projection {
	pr := &Projection{refs: u.refs}
	for _, cl := range u.clauses {
		if cl.kind == actRemove && !withRemoves {
			continue
		}
		for _, a := range cl.actions {
			pr.paths = append(pr.paths, a.path)
		}
	}
	return pr
}
