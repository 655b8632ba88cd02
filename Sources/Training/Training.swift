// The Training target: see the files of this folder.
