package world

import (
	"fmt"
	"slices"
)

// DescendantAccounts are the accounts in an OU and in every OU below it,
// sorted, as ListAccountsForParent read down the tree of ListChildren
// gives them (what getOrganizationalUnitDescendantAccounts does). An OU
// the organization does not have is AWS's ParentNotFoundException
// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccountsForParent.html).
func (o Organization) DescendantAccounts(ou string) ([]string, error) {
	if o.unit(ou) == nil {
		return nil, refuse("ListAccountsForParent", "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified: %s.", ou)
	}
	var out []string
	for queue := []string{ou}; len(queue) > 0; queue = queue[1:] {
		for _, u := range o.OrganizationalUnits {
			switch {
			case u.ID == queue[0]:
				out = append(out, u.Accounts...)
			case u.Parent == queue[0]:
				queue = append(queue, u.ID)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// unit returns the OU with an ID, or nil.
func (o Organization) unit(id string) *OrganizationalUnit {
	for i := range o.OrganizationalUnits {
		if o.OrganizationalUnits[i].ID == id {
			return &o.OrganizationalUnits[i]
		}
	}
	return nil
}

// MoveAccount moves a member account into an OU, or directly under the
// root when ou is empty, as MoveAccount does
// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_MoveAccount.html).
func (o *Organization) MoveAccount(account, ou string) error {
	if !o.HasAccount(account) {
		return fmt.Errorf("account %s is not a member of the organization", account)
	}
	if ou != "" && o.unit(ou) == nil {
		return fmt.Errorf("the organization has no OU %s", ou)
	}
	for i := range o.OrganizationalUnits {
		u := &o.OrganizationalUnits[i]
		u.Accounts = slices.DeleteFunc(u.Accounts, func(a string) bool { return a == account })
		if u.ID == ou {
			u.Accounts = append(u.Accounts, account)
			slices.Sort(u.Accounts)
		}
	}
	return nil
}

// joinUnits adds the OUs of another view of the organization that it
// lacks, and the accounts they hold that its own OUs lack.
func (o *Organization) joinUnits(units []OrganizationalUnit) {
	for _, u := range units {
		mine := o.unit(u.ID)
		if mine == nil {
			o.OrganizationalUnits = append(o.OrganizationalUnits, OrganizationalUnit{ID: u.ID, Parent: u.Parent})
			mine = &o.OrganizationalUnits[len(o.OrganizationalUnits)-1]
		}
		for _, a := range u.Accounts {
			if !slices.Contains(mine.Accounts, a) {
				mine.Accounts = append(mine.Accounts, a)
			}
		}
		slices.Sort(mine.Accounts)
	}
}
