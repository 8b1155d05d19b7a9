"""The built-in ProctorExam provider: signed API client, the institute kind, the sandbox."""
