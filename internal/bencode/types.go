package bencode

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

var (
	rawMessageType  = reflect.TypeFor[RawMessage]()
	marshalerType   = reflect.TypeFor[Marshaler]()
	unmarshalerType = reflect.TypeFor[Unmarshaler]()
)

// typeInfo is what the codec needs to know about a Go type, computed once.
type typeInfo struct {
	marshaler     bool // the type itself implements Marshaler
	addrMarshaler bool // only its pointer implements Marshaler
	unmarshaler   bool // its pointer implements Unmarshaler
	fields        []field
	byName        map[string]int // key -> index into fields
	fieldsErr     error
}

// field is one encoded struct field.
type field struct {
	name      string
	index     int
	omitEmpty bool
}

var typeCache sync.Map // reflect.Type -> *typeInfo

// mayHaveMethods reports whether t can implement Marshaler or Unmarshaler.
// Types without a name (int, string, []byte, map[string]any, ...) have no
// methods unless they are structs, which may promote methods from embedded
// fields, or pointers, whose element may have methods. This spares the type
// cache lookup for the most common values.
func mayHaveMethods(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct, reflect.Pointer, reflect.Interface:
		return true
	}
	return t.PkgPath() != ""
}

// isBytes reports whether t is a slice or array of bytes.
func isBytes(t reflect.Type) bool {
	k := t.Kind()
	return (k == reflect.Slice || k == reflect.Array) && t.Elem().Kind() == reflect.Uint8
}

func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{
		marshaler:   t.Kind() != reflect.Interface && t.Implements(marshalerType),
		unmarshaler: t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(unmarshalerType),
	}
	ti.addrMarshaler = !ti.marshaler && t.Kind() != reflect.Interface &&
		reflect.PointerTo(t).Implements(marshalerType)
	if t.Kind() == reflect.Struct {
		ti.fields, ti.byName, ti.fieldsErr = structFields(t)
	}
	actual, _ := typeCache.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

// structFields lists the encoded fields of t sorted by key.
func structFields(t reflect.Type) ([]field, map[string]int, error) {
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("bencode")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		f := field{name: name, index: i}
		for opt := range strings.SplitSeq(opts, ",") {
			if opt == "omitempty" {
				f.omitEmpty = true
			}
		}
		fs = append(fs, f)
	}
	slices.SortFunc(fs, func(a, b field) int { return strings.Compare(a.name, b.name) })
	byName := make(map[string]int, len(fs))
	for i, f := range fs {
		if _, dup := byName[f.name]; dup {
			return nil, nil, fmt.Errorf("bencode: type %s has two fields with key %q", t, f.name)
		}
		byName[f.name] = i
	}
	return fs, byName, nil
}
