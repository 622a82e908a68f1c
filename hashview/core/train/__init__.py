"""Training a network on a library and evaluating methods on labelled data: options, the pipeline, protocols."""
