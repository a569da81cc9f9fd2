"""Ensembles: members trained as separate runs, combined and shipped as one classifier."""
