-- A copy of the database (staging, support) must never talk to the real IRP.
UPDATE l10n_in_einvoice_credential
   SET environment = 'local_sandbox', base_url = 'http://127.0.0.1:8765',
       client_secret_encrypted = NULL, password_encrypted = NULL, extra_headers_encrypted = NULL,
       session_encrypted = NULL, token_expiry = NULL, active = false;
UPDATE ir_cron SET active = false
 WHERE id IN (SELECT res_id FROM ir_model_data
               WHERE module = 'l10n_in_einvoice' AND name = 'ir_cron_l10n_in_einvoice_send');
-- nor to the real e-way bill system
UPDATE l10n_in_einvoice_credential
   SET ewb_environment = 'local_sandbox', ewb_base_url = 'http://127.0.0.1:8765/ewaybillapi/v1.03',
       ewb_password_encrypted = NULL, ewb_session_encrypted = NULL, ewb_token_expiry = NULL;
