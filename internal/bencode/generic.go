package bencode

// Decode decodes one value into its generic form: int64 for integers,
// string for byte strings, []any for lists and map[string]any for
// dictionaries.
func Decode(data []byte) (any, error) {
	d := decodeState{data: data}
	v, err := d.any()
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return v, nil
}

func (d *decodeState) any() (any, error) {
	c, err := d.peek()
	if err != nil {
		return nil, err
	}
	switch {
	case c == 'i':
		return d.readInt64()
	case isDigit(c):
		b, err := d.readString()
		if err != nil {
			return nil, err
		}
		return string(b), nil
	case c == 'l':
		if err := d.open(); err != nil {
			return nil, err
		}
		list := []any{}
		for {
			ok, err := d.more()
			if err != nil {
				return nil, err
			}
			if !ok {
				return list, nil
			}
			v, err := d.any()
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
	case c == 'd':
		ds, err := d.openDict()
		if err != nil {
			return nil, err
		}
		m := map[string]any{}
		for {
			k, ok, err := d.nextKey(&ds)
			if err != nil {
				return nil, err
			}
			if !ok {
				return m, nil
			}
			v, err := d.any()
			if err != nil {
				return nil, err
			}
			m[string(k)] = v
		}
	default:
		return nil, errorAt(d.pos, "invalid byte %q at start of value", c)
	}
}
