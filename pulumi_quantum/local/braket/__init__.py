"""The local Amazon Braket: REST-JSON per botocore's braket model, tasks run for real.

Modules, after moto's per-service layout: ``service_model`` (the botocore model), ``urls``
(routing), ``responses`` (wire parsing/validation/serialisation), ``exceptions`` (typed errors),
``auth`` (SigV4), ``models`` (state and rules), ``devices`` + ``qpus`` (catalogue),
``qpu_rules`` (what a QPU accepts), ``queue_info``, ``reservations``, ``runner`` (simulation)
and ``app`` (the WSGI application tying them together).
"""
