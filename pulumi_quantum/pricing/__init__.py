"""Prices and cost estimates: what a resource will cost, known at preview (docs/cost.md).

* :mod:`.offers`: Braket's price list, the AWS Price List Bulk API offer file (CSV), read as the
  Braket SDK's ``braket.tracking`` reads it, from the URL the target rule gives (cached);
* :mod:`.braket_prices`: the rows of that file a task, a simulator minute or a job instance is
  priced by, matched as the SDK's ``Tracker`` matches them;
* :mod:`.ibm_prices`: IBM's per-second price (a documented, overridable table: IBM publishes
  no machine-readable price list);
* :mod:`.estimates`: the ``estimated_cost`` / ``billed_cost`` values of each priced resource.
"""
