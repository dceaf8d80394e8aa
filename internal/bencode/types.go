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
	marshaler      bool // the type itself implements Marshaler
	addrMarshaler  bool // only its pointer implements Marshaler
	unmarshaler    bool // its pointer implements Unmarshaler
	fields         []field
	byName         map[string]int // key -> index into fields
	fieldsErr      error
	isStruct       bool
	isByteSequence bool // []byte-like slice or byte array
}

// field is one encoded struct field.
type field struct {
	name      string
	index     int
	omitEmpty bool
}

var typeCache sync.Map // reflect.Type -> *typeInfo

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
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		ti.isByteSequence = t.Elem().Kind() == reflect.Uint8
	case reflect.Struct:
		ti.isStruct = true
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
