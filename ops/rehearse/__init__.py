"""`make rehearse`: a deploy, or a change, played in a simulated account before it touches one.

`play` deploys the synthesized config into `simulation.world` (the fake Personalize, the deploy
simulator, a virtual clock) and keeps what happened; `timeline` turns that into lanes and
moments; `render` prints them with the status screen at chosen minutes and a summary; `faults`
arms one failure (FAIL=training|gate|campaign) and holds README's words for it.
"""
