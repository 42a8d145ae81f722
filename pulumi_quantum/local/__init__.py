"""The local quantum cloud: Amazon Braket, S3 and IBM Qiskit Runtime on loopback.

Servers speak the vendors' wire protocols so the vendors' unmodified clients (boto3,
amazon-braket-sdk, qiskit-ibm-provider) can drive them. State lives in SQLite under a data
directory, so a restart loses nothing.
"""
