"""The search feature: the query drop target, top-k and radius, ranked results and their actions."""
