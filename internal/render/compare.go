package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/eks-multi-account/eks-multi-account/internal/compare"
)

// Compare prints stacks side by side, one line each, with the AWS guide's
// rows of the comparison of the two models as columns.
func Compare(w io.Writer, rows []compare.Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")) }
	line("STACK", "MODEL", "CLUSTERS", "VPCS", "NAT", "TGW ATTACHMENTS", "MONTHLY (USD)", "TENANTS/CLUSTER", "NAMESPACES/CLUSTER", "NODE GROUPS/CLUSTER", "CLUSTER ADMINS/CLUSTER")
	for _, r := range rows {
		monthly := fmt.Sprintf("%.2f", r.Monthly)
		if r.Unpriced > 0 {
			monthly = fmt.Sprintf(">= %s (%d not priced)", monthly, r.Unpriced)
		}
		line(r.Project+"/"+r.Stack, r.Model, itoa(r.Clusters), itoa(r.VPCs), itoa(r.NATGateways), itoa(r.TransitGatewayAttachments),
			monthly, itoa(r.TenantsPerCluster), itoa(r.MostNamespaces), itoa(r.MostNodeGroups), itoa(r.ClusterAdmins))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "Per cluster: the most on any one cluster. Monthly: fixed costs at list prices (plan --cost), usage not included.")
	return err
}

// CompareJSON prints the comparison as one JSON document: {compare: [row]}.
func CompareJSON(w io.Writer, rows []compare.Row) error {
	return encodeJSON(w, struct {
		Compare []compare.Row `json:"compare"`
	}{rows})
}

// itoa writes a count.
func itoa(n int) string { return fmt.Sprint(n) }
