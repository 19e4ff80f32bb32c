// Package validate holds the building blocks of object validation: field
// paths, the list of field errors a validator returns, and the checks that
// many kinds share (DNS-1123 names, label keys and values).
package validate
