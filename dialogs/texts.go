package dialogs

import "tianbao/catalog"

// The engine's parts of the catalogue, by their short names.
var (
	msg     = catalog.Chat
	desk    = catalog.Desk
	webText = catalog.Web
	so      = catalog.Signoff
)

// RoleName is a role's name in Chinese.
func RoleName(r Role) string {
	switch r {
	case Reviewer:
		return catalog.Texts.RoleReviewer
	case Admin:
		return catalog.Texts.RoleAdmin
	}
	return catalog.Texts.RoleFiller
}
