"""The morning after a run: result files, an HTML report, a signed webhook.

Everything here is built from what a run already leaves on disk (the audit log, the
reconciliation queue, ``state.db``, ``summary.json``), so it works the same for a
finished run, a stopped one, and a job inspected days later.

Layout: ``load`` reads the job folder (the only module here that opens its files),
``results``/``retry`` build the CSV rows and the retry spec, ``timeline`` aggregates the
audit into the report's figures, ``charts`` draws them as inline SVG, ``html`` lays out
the page, ``files`` writes everything, ``webhook`` signs and posts, and ``hooks`` is what
the engine and the CLI call at the end of a run.
"""
