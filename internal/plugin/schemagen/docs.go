package schemagen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
)

// Docs are the doc comments of the module's types and their fields, read
// from its source, one package at a time as they are asked for.
type Docs struct {
	root, module string
	// comments maps "pkg.Type" and "pkg.Type.Field" to their doc text.
	comments map[string]string
	read     map[string]error
}

// ReadDocs returns the doc comments of module, whose source is at root.
func ReadDocs(root, module string) (Docs, error) {
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return Docs{}, fmt.Errorf("reading doc comments: %s is not the module's root: %w", root, err)
	}
	return Docs{root: root, module: module, comments: map[string]string{}, read: map[string]error{}}, nil
}

// Type is the doc comment of type t, as one paragraph.
func (d Docs) Type(t reflect.Type) string {
	return d.lookup(t.PkgPath(), t.Name())
}

// Field is the doc comment of field name of struct type t, as one
// paragraph, with a leading Go field name replaced by the key it has in
// every language.
func (d Docs) Field(t reflect.Type, name, key string) string {
	text := d.lookup(t.PkgPath(), t.Name()+"."+name)
	if rest, ok := strings.CutPrefix(text, name+" "); ok {
		return key + " " + rest
	}
	return text
}

// Err is the first error met reading a package's source, by package.
func (d Docs) Err() error {
	for _, pkg := range slices.Sorted(maps.Keys(d.read)) {
		if err := d.read[pkg]; err != nil {
			return fmt.Errorf("reading the doc comments of %s: %w", pkg, err)
		}
	}
	return nil
}

// lookup returns the comment of key in package pkg, parsing the package
// the first time.
func (d Docs) lookup(pkg, key string) string {
	if _, done := d.read[pkg]; !done {
		d.read[pkg] = d.parse(pkg)
	}
	return d.comments[pkg+"."+key]
}

// parse records the doc comments of every struct type of package pkg and
// of its fields.
func (d Docs) parse(pkg string) error {
	rel, ok := strings.CutPrefix(pkg, d.module)
	if !ok {
		return fmt.Errorf("package %s is not in module %s", pkg, d.module)
	}
	dir := filepath.Join(d.root, filepath.FromSlash(strings.TrimPrefix(rel, "/")))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gen.Specs) == 1 {
					doc = gen.Doc
				}
				d.comments[pkg+"."+ts.Name.Name] = paragraph(doc)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, field := range st.Fields.List {
					for _, n := range field.Names {
						d.comments[pkg+"."+ts.Name.Name+"."+n.Name] = paragraph(field.Doc)
					}
				}
			}
		}
	}
	return nil
}

// paragraph is a comment's text on one line.
func paragraph(c *ast.CommentGroup) string {
	if c == nil {
		return ""
	}
	return strings.Join(strings.Fields(c.Text()), " ")
}
