// The Ensemble target: see the files of this folder.
