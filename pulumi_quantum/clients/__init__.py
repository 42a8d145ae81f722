"""One thin client factory per vendor API.

Each module here builds a vendor client at call time from stack config and the vendor's own
environment conventions, so that nothing configured is ever captured in a pickled provider.
Vendor SDKs are imported inside the factory functions, never at package import time.
"""
