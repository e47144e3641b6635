"""Wire clients (a module per protocol or API): they import only hours.errors and each other."""
