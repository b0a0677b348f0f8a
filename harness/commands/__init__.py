"""Sub-commands of `thaibench`, one module each (NAME, HELP, add_arguments, run)."""
