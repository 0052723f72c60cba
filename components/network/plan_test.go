package network

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanSplitsASixteenIntoThreeZones(t *testing.T) {
	l, err := Plan(netip.MustParsePrefix("10.0.0.0/16"), 3)
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/19"),
		netip.MustParsePrefix("10.0.32.0/19"),
		netip.MustParsePrefix("10.0.64.0/19"),
	}, l.Private)
	assert.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("10.0.224.0/22"),
		netip.MustParsePrefix("10.0.228.0/22"),
		netip.MustParsePrefix("10.0.232.0/22"),
	}, l.Public)
}

func TestPlanSubnetsAreInsideTheVPCAndDisjoint(t *testing.T) {
	for bits := MinVPCPrefix; bits <= MaxVPCPrefix; bits++ {
		vpc := netip.PrefixFrom(netip.MustParseAddr("172.16.0.0"), bits)
		l, err := Plan(vpc, MaxAZs)
		require.NoError(t, err)
		all := append(append([]netip.Prefix{}, l.Private...), l.Public...)
		for i, a := range all {
			assert.True(t, vpc.Contains(a.Addr()), "%s outside %s", a, vpc)
			assert.LessOrEqual(t, a.Bits(), 28, "%s smaller than AWS's /28 minimum", a)
			for _, b := range all[i+1:] {
				assert.False(t, a.Overlaps(b), "%s overlaps %s", a, b)
			}
		}
	}
}

func TestPlanRejectsBadInput(t *testing.T) {
	cases := map[string]struct {
		cidr string
		azs  int
		want string
	}{
		"too small":   {"10.0.0.0/24", 3, "is a /24; a VPC block here must be /16 to /22"},
		"too large":   {"10.0.0.0/8", 3, "is a /8"},
		"host bits":   {"10.0.1.0/16", 3, "did you mean 10.0.0.0/16?"},
		"ipv6":        {"fd00::/56", 3, "is not an IPv4 CIDR block"},
		"one zone":    {"10.0.0.0/16", 1, "1 availability zones is outside 2..6"},
		"seven zones": {"10.0.0.0/16", 7, "7 availability zones is outside 2..6"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Plan(netip.MustParsePrefix(c.cidr), c.azs)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestParseVPCRejectsText(t *testing.T) {
	_, err := ParseVPC("ten-dot-zero")
	assert.EqualError(t, err, "is not a CIDR block")
}
