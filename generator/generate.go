package generator

// Generate loads the folder and plans the files for opts.AsOf. Callers that
// write should hold LockFolder around Generate and Plan.Write.
func Generate(spec *Spec, opts Options) (*Plan, error) {
	folder, err := ReadFolder(spec.Migrations)
	if err != nil {
		return nil, err
	}
	return BuildPlan(spec, folder, opts)
}
