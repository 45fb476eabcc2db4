// Package campaigns holds the campaign files built into the binary
// (zj-2018-14, the 2018 Zhejiang notice on small-micro enterprise parks, and
// its quarterly example) and the registry that stores campaign versions in
// PostgreSQL and hands out loaded campaigns. The format and its loader are
// package campaign's.
package campaigns

import (
	"embed"

	"tianbao/campaign"
)

//go:embed *.yaml *.tsv
var builtin embed.FS

// BuiltinID is the campaign every fresh installation knows.
const BuiltinID = "zj-2018-14"

// Builtin returns the source of a campaign embedded in the binary.
func Builtin(id string) (*campaign.Source, error) {
	return campaign.ReadFS(builtin, id+".yaml", "campaigns/"+id+".yaml")
}
