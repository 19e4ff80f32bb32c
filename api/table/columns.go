package table

import "github.com/wharf/wharf/api/meta"

// Column types, as the Table wire format names them.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeDate    = "date"
)

// Column defines a column shown by default. Names are written as Kubernetes
// serves them ("Up-to-date", "Cluster-IP"); clients print them upper-cased.
func Column(name, typ, description string) meta.TableColumnDefinition {
	return meta.TableColumnDefinition{Name: name, Type: typ, Description: description}
}

// Wide defines a column shown only with -o wide.
func Wide(name, typ, description string) meta.TableColumnDefinition {
	return meta.TableColumnDefinition{Name: name, Type: typ, Description: description, Priority: 1}
}

// NameColumn is the first column of every kind.
func NameColumn() meta.TableColumnDefinition {
	return meta.TableColumnDefinition{
		Name:        "Name",
		Type:        TypeString,
		Format:      "name",
		Description: "Name must be unique within a namespace.",
	}
}

// AgeColumn is the time since creation, filled with Age.
func AgeColumn() meta.TableColumnDefinition {
	return Column("Age", TypeString, "Time since the object was created.")
}
