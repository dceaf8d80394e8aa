package lab

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// Row is one experiment of a sweep. Times are in seconds.
type Row struct {
	N        int
	Mode     Mode
	Measured float64 // T_all: until the last peer had the whole file
	Bound    float64
	// First and Median are the completion times of the first peer and
	// of the median one.
	First, Median float64
	// Util is the uplink utilisation: bytes uploaded over the capacity
	// of the mode times T_all.
	Util float64
	// CPU is the average number of cores the process kept busy, Host
	// that of the whole machine (zero: unknown).
	CPU, Host float64
}

// Ratio is measured over bound.
func (r Row) Ratio() float64 {
	if r.Bound <= 0 {
		return 0
	}
	return r.Measured / r.Bound
}

// Report is a sweep over N with the swarm parameters shared by its rows.
type Report struct {
	F    int64     // file size in bytes
	Us   float64   // seed upload, bytes/s
	Ups  []float64 // peer uploads, bytes/s, taken in turn (Cycle)
	Dmin float64   // slowest download, bytes/s; zero: unlimited
	// Unit is u in the plot's T/(F/u); zero means Ups[0].
	Unit float64
	Rows []Row
}

// Model is the model of the swarm with n peers.
func (r Report) Model(n int) Model {
	return Model{F: float64(r.F), Us: r.Us, Up: Cycle(r.Ups, n), Dmin: r.Dmin}
}

func (r Report) unit() float64 {
	if r.Unit > 0 {
		return r.Unit
	}
	if len(r.Ups) > 0 && r.Ups[0] > 0 {
		return r.Ups[0]
	}
	return 1
}

// fu is F/u in seconds.
func (r Report) fu() float64 { return float64(r.F) / r.unit() }

// speedup is T_cs/T_p2p for a peer-to-peer row with a client-server row of
// the same N, or zero.
func (r Report) speedup(row Row) float64 {
	if row.Mode != PeerToPeer || row.Measured <= 0 {
		return 0
	}
	for _, o := range r.Rows {
		if o.Mode == ClientServer && o.N == row.N {
			return o.Measured / row.Measured
		}
	}
	return 0
}

// WriteTable writes the sweep as a text table.
func (r Report) WriteTable(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "%4s  %-4s %10s %10s %6s %8s %8s %8s %7s %5s %5s %8s\n",
		"N", "mode", "measured", "bound", "ratio", "T/(F/u)", "first", "median", "uplink", "cpu", "host", "speed-up"); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	for _, row := range r.Rows {
		sp := ""
		if s := r.speedup(row); s > 0 {
			sp = fmt.Sprintf("%.1fx", s)
		}
		_, err := fmt.Fprintf(w, "%4d  %-4s %8.1f s %8.1f s %6.3f %8.3f %6.1f s %6.1f s %6.1f%% %5.2f %5.2f %8s\n",
			row.N, row.Mode, row.Measured, row.Bound, row.Ratio(), row.Measured/r.fu(),
			row.First, row.Median, 100*row.Util, row.CPU, row.Host, sp)
		if err != nil {
			return fmt.Errorf("lab: %w", err)
		}
	}
	return nil
}

// WriteCSV writes the sweep as CSV with a header line. Times are in
// seconds, rates in bytes per second.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"n", "mode", "file_bytes", "seed_up", "sum_up", "measured_s", "bound_s", "ratio",
		"measured_fu", "bound_fu", "first_s", "median_s", "uplink_util", "cpu_cores", "host_cores", "speedup"})
	for _, row := range r.Rows {
		m := r.Model(row.N)
		cw.Write([]string{
			strconv.Itoa(row.N), row.Mode.String(), strconv.FormatInt(r.F, 10),
			f0(r.Us), f0(m.SumUp()),
			f3(row.Measured), f3(row.Bound), f4(row.Ratio()),
			f4(row.Measured / r.fu()), f4(row.Bound / r.fu()),
			f3(row.First), f3(row.Median), f4(row.Util), f3(row.CPU), f3(row.Host), f3(r.speedup(row)),
		})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("lab: csv: %w", err)
	}
	return nil
}

func f0(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
func f3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
func f4(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

// FormatBytes formats a byte count with binary units: "512 B", "256 KiB",
// "2.5 MiB".
func FormatBytes(n float64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%.0f B", n)
	}
	exp := 0
	for n >= unit && exp < 5 {
		n /= unit
		exp++
	}
	prec := 1
	if n >= 100 || n == float64(int64(n)) {
		prec = 0
	}
	return strconv.FormatFloat(n, 'f', prec, 64) + " " + string("KMGTP"[exp-1]) + "iB"
}
