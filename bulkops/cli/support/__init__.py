"""What the commands share: connection options, exit codes, verbosity, progress, confirmation."""
