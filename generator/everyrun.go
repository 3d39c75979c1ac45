package generator

// checkEveryTable reads every spec table's definition when the engine
// checks the folder on every run (PostgreSQL: a parent added after
// partgen's files, or a wrong name, must fail generate even when no file is
// due); other engines read a table's definition only to render a file.
func (r *renderer) checkEveryTable() error {
	if _, ok := r.eng.(interface{ checksEveryRun() }); !ok {
		return nil
	}
	for i := range r.sp.Tables {
		if _, err := r.definition(&r.sp.Tables[i]); err != nil {
			return err
		}
	}
	return nil
}
