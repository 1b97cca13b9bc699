"""Turn the dataset into networks and a static site that works offline from a file."""
