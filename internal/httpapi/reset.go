package httpapi

import (
	"net/http"
)

// resetPath is moto's state-reset endpoint. Test suites written against moto call it
// between tests with a plain, unsigned POST (moto's own client does no signing), so that
// they can switch to iotcertd by changing only the endpoint URL.
const resetPath = "/moto-api/reset"

// serveReset answers POST /moto-api/reset as moto 5 does: it clears every certificate,
// policy and thing of every account and region (iot.Service.Reset) and answers 200
// {"status":"ok"}; any other method is 400 {"Error":...}, as from moto. It is routed only
// when Config.EmulatorReset is set, and it needs no signature, which is why it must never
// be enabled on a server whose data matters.
func (s *server) serveReset(w http.ResponseWriter, r *http.Request, reqID string) int {
	if r.Method != http.MethodPost {
		writeResponse(w, http.StatusBadRequest, []byte(`{"Error":"Need to POST to reset Moto"}`))
		return http.StatusBadRequest
	}
	if err := s.svc.Reset(r.Context()); err != nil {
		return s.writeError(w, reqID, "MotoReset", err)
	}
	s.log.Info("httpapi: state reset through "+resetPath, "requestId", reqID)
	writeResponse(w, http.StatusOK, []byte(`{"status":"ok"}`))
	return http.StatusOK
}
