"""Exporting a workspace: the submission pack, its evidence bundle and the checks made before either."""
