package eksversion_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eks-multi-account/eks-multi-account/components/eksversion"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The calendar's rows are consecutive minors, each with 14 months of
// standard support after its release and 12 of extended support after
// that, as EKS's lifecycle page says.
func TestTheCalendarFollowsEKSsLifecycle(t *testing.T) {
	require.NotEmpty(t, eksversion.Calendar)
	for i, r := range eksversion.Calendar {
		n, err := eksversion.ParseMinor(r.Minor)
		require.NoError(t, err)
		if i > 0 {
			prev, _ := eksversion.ParseMinor(eksversion.Calendar[i-1].Minor)
			assert.Equal(t, prev+1, n, "consecutive minors")
			assert.True(t, r.Released.After(eksversion.Calendar[i-1].Released), "%s released after %s", r.Minor, eksversion.Calendar[i-1].Minor)
		}
		assert.Equal(t, r.Released.AddDate(0, 14, 0), r.StandardEnds, "%s: 14 months of standard support", r.Minor)
		assert.Equal(t, r.StandardEnds.AddDate(1, 0, 0), r.ExtendedEnds, "%s: 12 months of extended support", r.Minor)
	}
}

func TestTheDefaultIsTheNewestMinorInStandardSupport(t *testing.T) {
	assert.Equal(t, "1.36", eksversion.Default)
	assert.Equal(t, eksversion.Standard, eksversion.SupportOn(eksversion.Default, eksversion.AsOf))
	assert.Equal(t, "1.35", eksversion.NewestInStandardSupport(day("2026-05-31")), "before 1.36 reached EKS")
	assert.Empty(t, eksversion.NewestInStandardSupport(day("2030-01-01")), "past the calendar")
}

func TestSupportOn(t *testing.T) {
	for _, c := range []struct {
		minor, day string
		want       eksversion.Support
	}{
		{"1.34", "2026-12-02", eksversion.Standard},
		{"1.34", "2026-12-03", eksversion.Extended},
		{"1.34", "2027-12-02", eksversion.Extended},
		{"1.34", "2027-12-03", eksversion.Ended},
		{"1.36", "2026-06-01", eksversion.NotYetReleased},
		{"1.99", "2026-12-03", eksversion.Unknown},
	} {
		assert.Equal(t, c.want, eksversion.SupportOn(c.minor, day(c.day)), "%s on %s", c.minor, c.day)
	}
}

func TestParseMinor(t *testing.T) {
	n, err := eksversion.ParseMinor("1.36")
	require.NoError(t, err)
	assert.Equal(t, 36, n)
	for _, bad := range []string{"1.036", "2.1", "1.", "1.x", "1.-3", "v1.36"} {
		_, err := eksversion.ParseMinor(bad)
		assert.Error(t, err, bad)
	}
}
