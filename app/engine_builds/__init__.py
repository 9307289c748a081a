"""Engine changes built once for the deployment: the administrators' vocabulary, the re-ranker
trained on review decisions, re-tokenising every listing (search words and matching features),
and the rebuild job that publishes the engine and its indexes as an artifact."""
