package world

import (
	"cmp"
	"slices"
)

// Leftovers lists what the world holds beyond what the organization held
// before any stack: what stacks created and what AWS made along with them
// (control-plane and load-balancer network interfaces, load balancers and
// their security groups), sorted by account, type and ID. A KMS key
// pending deletion is not listed: AWS deletes it at the end of its window
// (PendingDeletion lists them).
func (s *State) Leftovers() []*Object {
	return s.sorted(func(o *Object) bool { return !o.Preexisting && !o.PendingDeletion() })
}

// PendingDeletion lists the keys AWS is to delete at the end of their
// window, sorted as Leftovers.
func (s *State) PendingDeletion() []*Object {
	return s.sorted((*Object).PendingDeletion)
}

// sorted lists the objects that match by account, type and ID.
func (s *State) sorted(match func(*Object) bool) []*Object {
	var out []*Object
	for _, o := range s.Objects {
		if match(o) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b *Object) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Type, b.Type), cmp.Compare(a.ID, b.ID))
	})
	return out
}
